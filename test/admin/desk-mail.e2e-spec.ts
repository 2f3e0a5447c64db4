import { UserRole } from '@app/database';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { simpleParser } from 'mailparser';
import { CustomerAgent, REGISTRATION } from '../portal/portal-client';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The desk's settings in its mail (issue 12): invitation and password-reset links are emailed
 * through the outbound queue from the desk's sender address and name, with links on its public URL
 * that work once; customer mail without a mailbox identity and the test email go out the same way.
 */
describe('mail from the desk: staff links and desk settings', () => {
  let app: TestApp;
  let sink: SmtpSink;
  let admin: StaffSession;

  const mailTo = async (address: string, nth = 1) => {
    const raw = await waitFor(() => sink.messages.filter((m) => m.to.includes(address))[nth - 1]?.raw, {
      what: `mail ${nth} to ${address}`,
    });
    return simpleParser(raw);
  };
  const linkIn = (text: string | undefined) => /https?:\/\/\S+\/set-password#([0-9a-f]{64})/.exec(text ?? '');

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ worker: true, env: { SMTP_URL: sink.url } });
    admin = await staff(app, UserRole.Admin, 'Link Admin');
    const settings = await api(app, admin)('PUT', '/api/admin/settings', {
      deskName: 'Acme Help',
      publicUrl: 'https://help.acme.test/',
      senderAddress: 'desk@acme.test',
    });
    expect(settings.status).toBe(200);
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  it('emails the invitation from the desk, with a link on its public URL that works once', async () => {
    const res = await api(app, admin)('POST', '/api/admin/users', {
      email: 'new@desk.test',
      name: 'New Agent',
      role: 'agent',
    });
    expect(res.status).toBe(201);
    const { link } = (await res.json()) as { link: { url: string; mailQueued: boolean } };
    expect(link.mailQueued).toBe(true);

    const mail = await mailTo('new@desk.test');
    expect(mail.from?.value).toEqual([{ address: 'desk@acme.test', name: 'Acme Help' }]);
    expect(mail.subject).toBe('Your invitation to Acme Help');
    const found = linkIn(mail.text);
    expect(found?.[0]).toBe(`https://help.acme.test${link.url}`);
    // Neither the job nor the audit log holds the token.
    const token = found![1];
    const stored = await app.dataSource.query<Array<{ t: string }>>(
      `SELECT row_to_json(a)::text AS t FROM audit_log a UNION ALL SELECT row_to_json(u)::text FROM user_tokens u`,
    );
    expect(stored.filter((r) => r.t.includes(token))).toEqual([]);

    const used = await fetch(`${app.baseUrl}/api/auth/password-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ token, password: 'a brand new password' }),
    });
    expect(used.status).toBeLessThan(300);
    const again = await fetch(`${app.baseUrl}/api/auth/password-link/${token}`);
    expect(again.status).toBe(410);
  });

  it('emails a password-reset link; an earlier link stops working', async () => {
    const user = (await (await api(app, admin)('GET', '/api/admin/users')).json()) as {
      items: Array<{ id: string; email: string }>;
    };
    const id = user.items.find((u) => u.email === 'new@desk.test')!.id;
    await api(app, admin)('POST', `/api/admin/users/${id}/reset-password`);
    await api(app, admin)('POST', `/api/admin/users/${id}/reset-password`);
    const first = linkIn((await mailTo('new@desk.test', 2)).text)![1];
    const second = await mailTo('new@desk.test', 3);
    expect(second.subject).toBe('Set a new password for Acme Help');
    const latest = linkIn(second.text)![1];
    expect((await fetch(`${app.baseUrl}/api/auth/password-link/${first}`)).status).toBe(410);
    expect((await fetch(`${app.baseUrl}/api/auth/password-link/${latest}`)).status).toBe(200);
  });

  it('sends an acknowledgement without a mailbox from the desk sender, with the portal link on its public URL', async () => {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Ada', email: 'ada@example.org', subject: 'Hello desk', message: 'Hi.' }),
    });
    const { reference } = (await res.json()) as { reference: string };
    const ack = await mailTo('ada@example.org');
    expect(ack.from?.value).toEqual([{ address: 'desk@acme.test', name: 'Acme Help' }]);
    expect(ack.text).toContain(`https://help.acme.test/portal/requests/${reference}`);

    const test = await api(app, admin)('POST', '/api/admin/outbound/test', { to: 'ops@acme.test' });
    expect(test.status).toBe(200);
    const sent = await mailTo('ops@acme.test');
    expect(sent.from?.value).toEqual([{ address: 'desk@acme.test', name: 'Acme Help' }]);
    expect(((await (await api(app, admin)('GET', '/api/admin/outbound')).json()) as { from: string }).from).toBe(
      'desk@acme.test',
    );
  });

  it('sends portal account mail and consent withdrawal links from the desk, on its public URL', async () => {
    const customer = new CustomerAgent(app);
    await customer.preCsrf();
    const res = await customer.request('POST', '/api/portal/register', {
      ...REGISTRATION,
      name: 'Bea Portal',
      email: 'bea@example.org',
    });
    expect(res.status).toBe(202);
    const verify = await mailTo('bea@example.org');
    expect(verify.from?.value).toEqual([{ address: 'desk@acme.test', name: 'Acme Help' }]);
    expect(verify.text).toMatch(/https:\/\/help\.acme\.test\/portal\/verify\?token=/);

    const [contact] = await app.dataSource.query<Array<{ id: string }>>(
      `SELECT contact_id AS id FROM tickets WHERE subject = 'Hello desk'`,
    );
    const link = await api(app, admin)(
      'GET',
      `/api/privacy/contacts/${contact?.id}/withdrawal-link?purpose=promotional_email`,
    );
    expect(link.status).toBe(200);
    expect(((await link.json()) as { url: string }).url).toMatch(
      /^https:\/\/help\.acme\.test\/support\/consent\/withdraw\?token=/,
    );
  });
});
