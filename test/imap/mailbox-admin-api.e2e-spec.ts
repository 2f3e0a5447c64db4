import { MailboxEntity, UserRole } from '@app/database';
import { freePort, startDovecot, type TestDovecot } from '@app/testing';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const USER = 'helpdesk@desk.test';
const PASSWORD = 'imap-Pa55word-unique-7Qx';

/**
 * Admin API for mailboxes against a real Dovecot: CRUD for admins, 403 for agents and
 * supervisors, 400 with field messages, the exact connection error on a wrong password, and the
 * password (plain or encrypted) never in any response.
 */
describe('admin mailbox API', () => {
  let app: TestApp;
  let dovecot: TestDovecot;
  let admin: StaffSession;
  let agent: StaffSession;
  let supervisor: StaffSession;
  /** Every response body seen, to check no password ever left the server. */
  const bodies: string[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot({ [USER]: PASSWORD });
    app = await startTestApp({ env: { POLLER_ENABLED: 'false' } });
    admin = await staff(app, UserRole.Admin, 'Mailbox Admin');
    agent = await staff(app, UserRole.Agent, 'Mailbox Agent');
    supervisor = await staff(app, UserRole.Supervisor, 'Mailbox Supervisor');
  });
  afterAll(async () => {
    await app?.close();
    await dovecot?.destroy();
  });

  const call = async (
    who: StaffSession,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    const res = await api(app, who)(method, `/api/admin/mailboxes${path}`, body);
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
  };
  const input = (overrides: Record<string, unknown> = {}) => ({
    name: 'helpdesk',
    address: 'Helpdesk@Desk.test',
    host: dovecot.host,
    port: dovecot.port,
    tls: false,
    username: USER,
    password: PASSWORD,
    processedFolder: 'Done',
    ...overrides,
  });

  let id: string;

  it('lets an admin create, read and list a mailbox, with defaults and without the password', async () => {
    const created = await call(admin, 'POST', '', input());
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'helpdesk',
      address: 'helpdesk@desk.test',
      host: '127.0.0.1',
      port: dovecot.port,
      tls: false,
      tlsRejectUnauthorized: true,
      username: USER,
      folder: 'INBOX',
      afterAction: 'move',
      processedFolder: 'Done',
      quarantineFolder: 'Quarantine',
      enabled: true,
    });
    id = (created.json as { id: string }).id;
    expect(Object.keys(created.json as object).some((k) => /password/i.test(k))).toBe(false);

    const got = await call(admin, 'GET', `/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(created.json);

    const listed = await call(admin, 'GET', '');
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual([
      expect.objectContaining({ id, name: 'helpdesk', status: expect.objectContaining({ id, connected: false }) }),
    ]);
    // Stored encrypted at rest.
    const stored = await app.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id });
    expect(stored.passwordEncrypted).not.toContain(PASSWORD);
  });

  it('tests the connection: folders and counts with the right password', async () => {
    await dovecot.append(USER, 'INBOX', 'From: a@b.test\r\nSubject: x\r\n\r\nhi\r\n');
    const tested = await call(admin, 'POST', `/${id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.json).toMatchObject({ ok: true, probe: { folder: 'INBOX', messages: 1, idle: true } });
  });

  it('updates only the given fields; a new password is used by the next test, which reports the exact error', async () => {
    const renamed = await call(admin, 'PATCH', `/${id}`, { name: 'helpdesk-2' });
    expect(renamed.status).toBe(200);
    // Fields left out keep their values (no schema defaults applied on update).
    expect(renamed.json).toMatchObject({ name: 'helpdesk-2', tls: false, processedFolder: 'Done', enabled: true });

    const wrong = await call(admin, 'PATCH', `/${id}`, { password: 'not-the-password' });
    expect(wrong.status).toBe(200);
    const tested = await call(admin, 'POST', `/${id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.json).toEqual({
      ok: false,
      // The code, then the server's own words (Dovecot's reply to a wrong password).
      error: 'auth_failed: Command failed: Authentication failed.',
    });

    // Nothing listening: the socket error, as is.
    const port = await freePort();
    await call(admin, 'PATCH', `/${id}`, { password: PASSWORD, port });
    const refused = await call(admin, 'POST', `/${id}/test`);
    expect(refused.json).toEqual({ ok: false, error: `Error: connect ECONNREFUSED 127.0.0.1:${port}` });

    const back = await call(admin, 'PATCH', `/${id}`, { port: dovecot.port });
    expect(back.status).toBe(200);
    expect(await call(admin, 'POST', `/${id}/test`)).toMatchObject({ status: 200, json: { ok: true } });
  });

  it('disables and re-enables a mailbox', async () => {
    const disabled = await call(admin, 'PATCH', `/${id}`, { enabled: false });
    expect(disabled).toMatchObject({ status: 200, json: { enabled: false, name: 'helpdesk-2' } });
    expect((await call(admin, 'GET', `/${id}`)).json).toMatchObject({ enabled: false });
    const enabled = await call(admin, 'PATCH', `/${id}`, { enabled: true });
    expect(enabled).toMatchObject({ status: 200, json: { enabled: true } });
  });

  it('answers 400 with a message per invalid field, and stores nothing', async () => {
    const bad = await call(admin, 'POST', '', {
      name: '',
      address: 'not-an-address',
      host: dovecot.host,
      port: 70000,
      username: USER,
      password: 'x',
      afterAction: 'shred',
      folder: 'IN\r\nBOX',
    });
    expect(bad.status).toBe(400);
    const body = bad.json as { error: string; fields: Record<string, string> };
    expect(body.error).toBe('invalid_mailbox');
    expect(Object.keys(body.fields).sort()).toEqual(['address', 'afterAction', 'folder', 'name', 'port']);
    for (const message of Object.values(body.fields)) expect(message).toMatch(/\w/);
    expect(body.fields.folder).toBe('must be one line');

    const badPatch = await call(admin, 'PATCH', `/${id}`, { port: 0, tls: 'yes' });
    expect(badPatch.status).toBe(400);
    expect(Object.keys((badPatch.json as { fields: object }).fields).sort()).toEqual(['port', 'tls']);

    expect(await app.dataSource.getRepository(MailboxEntity).count()).toBe(1);
  });

  it('refuses agents and supervisors with 403 on every route', async () => {
    for (const who of [agent, supervisor]) {
      const attempts = [
        await call(who, 'GET', ''),
        await call(who, 'GET', `/${id}`),
        await call(who, 'POST', '', input({ name: 'sneaky', address: 'sneaky@desk.test' })),
        await call(who, 'PATCH', `/${id}`, { enabled: false }),
        await call(who, 'POST', `/${id}/test`),
        await call(who, 'DELETE', `/${id}`),
      ];
      expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403, 403, 403]);
    }
    const still = await app.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id });
    expect(still.enabled).toBe(true);
    expect(await app.dataSource.getRepository(MailboxEntity).count()).toBe(1);
  });

  it('lets an admin delete a mailbox (404 afterwards)', async () => {
    expect((await call(admin, 'DELETE', `/${id}`)).status).toBe(204);
    expect((await call(admin, 'GET', `/${id}`)).status).toBe(404);
    expect((await call(admin, 'GET', '')).json).toEqual([]);
  });

  it('never sent the password, plain or encrypted, in any response', async () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const text of bodies) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('not-the-password');
      expect(text).not.toMatch(/password/i);
    }
  });
});
