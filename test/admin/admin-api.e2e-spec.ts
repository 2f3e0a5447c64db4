import { SetupService } from '@app/auth';
import { UserRole } from '@app/database';
import { api, createTicket, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

interface Entry {
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  details: Record<string, unknown> | null;
}

/** Users, groups, settings and the audit log through the admin API: each action audited once. */
describe('admin API', () => {
  let app: TestApp;
  let admin: StaffSession;
  let supervisor: StaffSession;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    app = await startTestApp({ env: { LOGIN_RATE_LIMIT_PER_15M: '1000' } });
    admin = await staff(app, UserRole.Admin, 'Api Admin');
    supervisor = await staff(app, UserRole.Supervisor, 'Api Supervisor');
    call = api(app, admin);
  });
  afterAll(async () => {
    await app.close();
  });

  const entries = (action: string, targetId?: string) =>
    app.dataSource.query<Entry[]>(
      `SELECT actor_type, actor_id, action, target_type, target_id, changes, details FROM audit_log
        WHERE action = $1 AND ($2::text IS NULL OR target_id = $2) ORDER BY id`,
      [action, targetId ?? null],
    );
  const json = async <T>(res: Response, status = 200): Promise<T> => {
    const body = (await res.json()) as T;
    expect([res.status, body]).toEqual([status, body]);
    return body;
  };
  const signIn = (email: string, password: string) =>
    fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });

  it('invites a user who sets their own password through a one-time link', async () => {
    const invited = await json<{ user: { id: string; role: string; lastSignInAt: null }; link: { url: string } }>(
      await call('POST', '/api/admin/users', { email: 'New.Agent@desk.test', name: 'New Agent', role: 'agent' }),
      201,
    );
    expect(invited.user).toMatchObject({ role: 'agent', lastSignInAt: null });
    const token = invited.link.url.split('#')[1];
    const seen = await json<{ purpose: string; email: string }>(
      await fetch(`${app.baseUrl}/api/auth/password-link/${token}`),
    );
    expect(seen).toEqual({ purpose: 'invite', email: 'new.agent@desk.test', name: 'New Agent' });
    const setPw = (password: string) =>
      fetch(`${app.baseUrl}/api/auth/password-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, password }),
      });
    expect((await setPw('short')).status).toBe(400);
    expect((await setPw('my own long password')).status).toBe(200);
    expect((await setPw('another long password')).status).toBe(410);
    expect((await signIn('new.agent@desk.test', 'my own long password')).status).toBe(200);
    const list = await json<{ items: Array<{ id: string; lastSignInAt: string | null }> }>(
      await call('GET', '/api/admin/users'),
    );
    expect(list.items.find((u) => u.id === invited.user.id)?.lastSignInAt).toEqual(expect.any(String));
    const [created] = await entries('user.invited', invited.user.id);
    expect(created).toMatchObject({ actor_id: admin.id, changes: { role: { before: null, after: 'agent' } } });
    expect(await entries('user.invitation_accepted', invited.user.id)).toHaveLength(1);
  });

  it('changes a role with before/after, and never demotes or disables the last admin', async () => {
    const user = await staff(app, UserRole.Agent, 'Role Changer');
    await json(await call('PATCH', `/api/admin/users/${user.id}`, { role: 'supervisor' }));
    const [entry] = await entries('user.role_changed', user.id);
    expect(entry).toMatchObject({ actor_id: admin.id, changes: { role: { before: 'agent', after: 'supervisor' } } });
    // The only admin cannot demote or disable themself.
    const lone = await call('PATCH', `/api/admin/users/${admin.id}`, { role: 'agent' });
    expect(lone.status).toBe(409);
    expect((await call('PATCH', `/api/admin/users/${admin.id}`, { active: false })).status).toBe(409);
    expect((await call('PATCH', `/api/admin/users/${user.id}`, { role: 'owner' })).status).toBe(400);
  });

  it('disabling a user ends their sessions at once; enabling lets them back', async () => {
    const user = await staff(app, UserRole.Agent, 'To Disable');
    const theirs = api(app, user);
    expect((await theirs('GET', '/api/tickets')).status).toBe(200);
    await json(await call('PATCH', `/api/admin/users/${user.id}`, { active: false }));
    expect((await theirs('GET', '/api/tickets')).status).toBe(401);
    expect((await signIn(user.email, 'correct horse battery staple')).status).toBe(401);
    const [entry] = await entries('user.disabled', user.id);
    expect(entry).toMatchObject({ changes: { active: { before: true, after: false } }, details: { sessionsEnded: 1 } });
    await json(await call('PATCH', `/api/admin/users/${user.id}`, { active: true }));
    expect((await signIn(user.email, 'correct horse battery staple')).status).toBe(200);
  });

  it('resets a password by link and revokes sessions', async () => {
    const user = await staff(app, UserRole.Agent, 'Forgetful');
    const link = await json<{ url: string }>(await call('POST', `/api/admin/users/${user.id}/reset-password`));
    const token = link.url.split('#')[1];
    const done = await fetch(`${app.baseUrl}/api/auth/password-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, password: 'remembered at last' }),
    });
    expect(done.status).toBe(200);
    // The reset ended the session the user had.
    expect((await api(app, user)('GET', '/api/auth/me')).status).toBe(401);
    expect((await signIn(user.email, 'remembered at last')).status).toBe(200);
    const revoked = await json<{ sessionsEnded: number }>(
      await call('POST', `/api/admin/users/${user.id}/revoke-sessions`),
    );
    expect(revoked).toEqual({ sessionsEnded: 1 });
    expect(await entries('user.sessions_revoked', user.id)).toHaveLength(1);
    expect(await entries('user.password_reset_issued', user.id)).toHaveLength(1);
  });

  it('manages groups: create, rename, members, delete refused while in use, then with reassignment', async () => {
    const agent = await staff(app, UserRole.Agent, 'Group Member');
    const billing = await json<{ id: string }>(await call('POST', '/api/admin/groups', { name: 'Billing' }), 201);
    expect((await call('POST', '/api/admin/groups', { name: 'billing' })).status).toBe(409);
    expect((await call('POST', '/api/admin/groups', { name: '' })).status).toBe(400);
    await json(await call('PATCH', `/api/admin/groups/${billing.id}`, { name: 'Billing & invoices' }));
    const withMember = await json<{ members: Array<{ id: string }> }>(
      await call('PUT', `/api/admin/groups/${billing.id}/members`, { userIds: [agent.id] }),
    );
    expect(withMember.members.map((m) => m.id)).toEqual([agent.id]);
    const other = await json<{ id: string }>(await call('POST', '/api/admin/groups', { name: 'Sales' }), 201);
    const ticket = await createTicket(app, { subject: 'Invoice', groupId: billing.id });

    const refused = await call('DELETE', `/api/admin/groups/${billing.id}`);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toBe('group_in_use');
    expect((await call('DELETE', `/api/admin/groups/${billing.id}?reassignTo=${other.id}`)).status).toBe(204);
    const [moved] = await app.dataSource.query<Array<{ group_id: string }>>(
      `SELECT group_id FROM tickets WHERE id = $1`,
      [ticket.id],
    );
    expect(moved.group_id).toBe(other.id);

    expect(await entries('group.renamed', billing.id)).toMatchObject([
      { changes: { name: { before: 'Billing', after: 'Billing & invoices' } } },
    ]);
    expect(await entries('group.members_changed', billing.id)).toMatchObject([
      { changes: { members: { before: [], after: [agent.id] } }, details: { added: [agent.id], removed: [] } },
    ]);
    expect(await entries('group.deleted', billing.id)).toMatchObject([
      { details: { ticketsMoved: 1, mailboxesMoved: 0, reassignedTo: other.id } },
    ]);
  });

  it('records SLA, canned reply, mailbox and desk-setting changes with before/after and no secret', async () => {
    await json(
      await call('PUT', '/api/sla-policies/high', {
        firstResponseMinutes: 60,
        resolutionMinutes: 480,
        businessHours: false,
        timezone: 'UTC',
        dayStartMinute: 0,
        dayEndMinute: 1440,
        workDays: [1, 2, 3, 4, 5],
      }),
    );
    expect((await entries('sla_policy.set', 'high'))[0]?.changes?.firstResponseMinutes?.after).toBe(60);
    const reply = await json<{ id: string }>(
      await call('POST', '/api/canned-replies', { title: 'Thanks', body: 'Thank you' }),
      201,
    );
    await json(await call('PUT', `/api/canned-replies/${reply.id}`, { title: 'Thanks!', body: 'Thank you' }));
    expect((await call('DELETE', `/api/canned-replies/${reply.id}`)).status).toBe(204);
    expect(await entries('canned_reply.updated', reply.id)).toMatchObject([
      { changes: { title: { before: 'Thanks', after: 'Thanks!' } }, details: { bodyChanged: false } },
    ]);
    expect(await entries('canned_reply.deleted', reply.id)).toHaveLength(1);

    const mailbox = await json<{ id: string }>(
      await call('POST', '/api/admin/mailboxes', {
        name: 'Audited',
        address: 'audited@desk.test',
        host: '127.0.0.1',
        port: 1,
        tls: false,
        username: 'audited',
        password: 'imap-secret-pw-1',
      }),
      201,
    );
    await json(
      await call('PATCH', `/api/admin/mailboxes/${mailbox.id}`, { password: 'imap-secret-pw-2', folder: 'Support' }),
    );
    expect(await entries('mailbox.updated', mailbox.id)).toMatchObject([
      { changes: { folder: { before: 'INBOX', after: 'Support' } }, details: { alsoChanged: ['password'] } },
    ]);
    expect((await call('DELETE', `/api/admin/mailboxes/${mailbox.id}`)).status).toBe(204);
    await json(await call('PUT', '/api/admin/settings', { deskName: 'Acme Help' }));
    expect(await entries('settings.updated', 'desk')).toMatchObject([
      { changes: { deskName: { before: 'Support', after: 'Acme Help' } } },
    ]);

    // No password, token, secret or recovery code anywhere in the log.
    const all = JSON.stringify(await app.dataSource.query(`SELECT * FROM audit_log`));
    for (const secret of [
      'imap-secret-pw-1',
      'imap-secret-pw-2',
      'correct horse battery staple',
      'my own long password',
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toMatch(/password_hash|\$argon2/);
  });

  it('browses the log with filters, pages and CSV; supervisors read, agents cannot; nothing edits it', async () => {
    const sup = api(app, supervisor);
    const page = await json<{ items: Array<{ action: string; actorName: string | null }>; nextBefore: string | null }>(
      await sup('GET', `/api/admin/audit?actor=${admin.id}&action=group.&limit=2`),
    );
    expect(page.items).toHaveLength(2);
    expect(page.items.every((i) => i.action.startsWith('group.') && i.actorName === 'Api Admin')).toBe(true);
    expect(page.nextBefore).toEqual(expect.any(String));
    const next = await json<{ items: Array<{ action: string }> }>(
      await sup('GET', `/api/admin/audit?actor=${admin.id}&action=group.&limit=500&before=${page.nextBefore}`),
    );
    const total = (await entries('group.created')).length + (await entries('group.renamed')).length;
    expect(next.items.length).toBe(
      total + (await entries('group.members_changed')).length + (await entries('group.deleted')).length - 2,
    );
    const today = new Date().toISOString().slice(0, 10);
    const dated = await json<{ items: unknown[] }>(
      await sup('GET', `/api/admin/audit?from=${today}&to=${today}&targetType=user`),
    );
    expect(dated.items.length).toBeGreaterThan(0);
    const none = await json<{ items: unknown[] }>(await sup('GET', `/api/admin/audit?from=2001-01-01&to=2001-01-02`));
    expect(none.items).toEqual([]);
    expect((await sup('GET', '/api/admin/audit?from=yesterday')).status).toBe(400);

    const csv = await sup('GET', '/api/admin/audit/export.csv?action=group.renamed');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,time,actor_type,actor_id,actor_name,action,target_type,target_id,ip,changes,details');
    expect(lines).toHaveLength(2);
    // jsonb keeps its own key order: compare the parsed cell.
    const cell = /,"(\{.*\})",$/.exec(lines[1])?.[1]?.replace(/""/g, '"');
    expect(JSON.parse(cell!)).toEqual({ name: { before: 'Billing', after: 'Billing & invoices' } });

    const agent = await staff(app, UserRole.Agent, 'Nosy Agent');
    expect((await api(app, agent)('GET', '/api/admin/audit')).status).toBe(403);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      expect([(await call(method, '/api/admin/audit', {})).status, method]).toEqual([404, method]);
    }
  });
});

describe('first run in the browser', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('creates the first admin with the set-up token from the log, once', async () => {
    const status = await (await fetch(`${app.baseUrl}/api/setup`)).json();
    expect(status).toEqual({ needed: true });
    const token = await app.app.get(SetupService).announce();
    expect(token).toEqual(expect.any(String));
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${app.baseUrl}/api/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const admin = { email: 'first@desk.test', name: 'First Admin', password: 'first admin password' };
    expect((await post({ ...admin, setupToken: 'guessed-token' })).status).toBe(403);
    expect((await post({ ...admin, setupToken: token }, { origin: 'https://evil.example' })).status).toBe(403);
    const ok = await post({ ...admin, setupToken: token });
    expect(ok.status).toBe(201);
    const cookie = ok.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const me = (await (await fetch(`${app.baseUrl}/api/auth/me`, { headers: { cookie } })).json()) as {
      user: { role: string };
    };
    expect(me.user.role).toBe('admin');
    expect((await post({ ...admin, email: 'second@desk.test', setupToken: token })).status).toBe(409);
    expect(await (await fetch(`${app.baseUrl}/api/setup`)).json()).toEqual({ needed: false });
    expect(await app.app.get(SetupService).announce()).toBeNull();
  });
});
