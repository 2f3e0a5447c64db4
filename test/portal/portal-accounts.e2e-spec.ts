import { CustomerAccountEntity, CustomerAccountMailEntity, LoginEventEntity, UserRole } from '@app/database';
import { signLinkToken } from '@app/portal';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { createTicket, staff } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { CustomerAgent, linkFromSink, REGISTRATION, registeredCustomer } from './portal-client';

/**
 * Customer accounts (issue 13): registration with exactly the policy's fields and clear messages,
 * argon2id with a common-password check, verification and magic links through the outbound queue
 * and a real SMTP server, throttling without enumeration, CSRF, login events, separate sessions.
 */
describe('customer portal accounts', () => {
  let app: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({
      worker: true,
      env: { SMTP_URL: sink.url, LOGIN_ACCOUNT_FAILURES_PER_15M: '3', LOGIN_RATE_LIMIT_PER_15M: '1000' },
    });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  it('validates every registration field with a clear message and stores nothing', async () => {
    const agent = new CustomerAgent(app);
    await agent.preCsrf();
    const res = await agent.request('POST', '/api/portal/register', {
      name: '',
      email: 'not-an-address',
      password: 'password123',
      website: 'not a site',
      phone: 'call me maybe',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; fields: Record<string, string> };
    expect(body.error).toBe('validation_failed');
    expect(body.fields).toEqual({
      name: 'is required',
      email: 'must be an email address',
      password: 'is one of the most common passwords; choose another',
      website: 'must be a web address such as https://example.org',
      phone: 'must be a phone number',
    });
    const weak = await agent.request('POST', '/api/portal/register', {
      ...REGISTRATION,
      email: 'w@example.org',
      password: 'short',
    });
    expect(((await weak.json()) as { fields: Record<string, string> }).fields).toEqual({
      password: 'must be at least 10 characters',
    });
    expect(await app.dataSource.getRepository(CustomerAccountEntity).count()).toBe(0);
  });

  it('refuses a registration without the CSRF token', async () => {
    const agent = new CustomerAgent(app);
    const res = await agent.request('POST', '/api/portal/register', { ...REGISTRATION, email: 'csrf@example.org' });
    expect(res.status).toBe(403);
    expect(await app.dataSource.getRepository(CustomerAccountEntity).count()).toBe(0);
  });

  it('shows nothing before verification; verification by the mailed link (once) shows the address’s tickets', async () => {
    const email = 'ingrid.vh@example.org';
    const ticket = await createTicket(app, { subject: 'Pallet count wrong', email });
    const agent = new CustomerAgent(app);
    await agent.preCsrf();
    const before = sink.messages.length;
    const reg = await agent.request('POST', '/api/portal/register', { ...REGISTRATION, email });
    expect(reg.status).toBe(202);
    const account = await app.dataSource.getRepository(CustomerAccountEntity).findOneOrFail({ where: {} });
    expect(account.passwordHash).toMatch(/^\$argon2id\$/);
    // The job carried an id only; the mail came through the outbound queue to the real SMTP server.
    const { token, path } = await linkFromSink(sink, email, before + 1);
    expect(path).toBe('/portal/verify');
    const mail = await app.dataSource
      .getRepository(CustomerAccountMailEntity)
      .findOneOrFail({ where: { kind: 'verify' } });
    await waitFor(
      async () =>
        (await app.dataSource.getRepository(CustomerAccountMailEntity).findOneBy({ id: mail.id }))?.status === 'sent',
    );

    // Signed in with the password but unverified: no ticket of the address is shown.
    await agent.signedIn(
      await agent.request('POST', '/api/portal/sign-in', { email, password: REGISTRATION.password }),
    );
    const unverified = (await (await agent.request('GET', '/api/portal/requests')).json()) as { requests: unknown[] };
    expect(unverified.requests).toEqual([]);
    expect((await agent.request('GET', `/api/portal/requests/T-${ticket.number}`)).status).toBe(404);

    const verified = new CustomerAgent(app);
    await verified.preCsrf();
    await verified.signedIn(await verified.request('POST', '/api/portal/verify', { token }));
    const list = (await (await verified.request('GET', '/api/portal/requests')).json()) as {
      requests: Array<{ reference: string; subject: string; status: string; channel: string }>;
    };
    expect(list.requests).toEqual([
      expect.objectContaining({
        reference: `T-${ticket.number}`,
        subject: 'Pallet count wrong',
        status: 'new',
        channel: 'email',
      }),
    ]);
    // Registration data went to the address's contact only now, after the proof.
    const [contact] = await app.dataSource.query<Array<{ name: string; company: string; phone: string }>>(
      `SELECT name, company, phone FROM contacts WHERE email = $1`,
      [email],
    );
    expect(contact).toEqual({ name: REGISTRATION.name, company: REGISTRATION.company, phone: REGISTRATION.phone });

    // The link works once.
    const again = new CustomerAgent(app);
    await again.preCsrf();
    const reuse = await again.request('POST', '/api/portal/verify', { token });
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_link');
  });

  it('never lets a second account claim a verified address, and answers exactly the same', async () => {
    const email = 'claimed@example.org';
    await registeredCustomer(app, sink, email);
    const accounts = await app.dataSource.getRepository(CustomerAccountEntity).count();
    const intruder = new CustomerAgent(app);
    await intruder.preCsrf();
    const before = sink.messages.length;
    const res = await intruder.request('POST', '/api/portal/register', {
      ...REGISTRATION,
      email,
      password: 'another long passphrase 77',
    });
    expect(await res.json()).toEqual({ status: 'check_mail' });
    expect(res.status).toBe(202);
    expect(await app.dataSource.getRepository(CustomerAccountEntity).count()).toBe(accounts);
    // The owner is told (a sign-in link), the intruder gets nothing usable.
    const { path } = await linkFromSink(sink, email, before + 1);
    expect(path).toBe('/portal/link');
    const signIn = await intruder.request('POST', '/api/portal/sign-in', {
      email,
      password: 'another long passphrase 77',
    });
    expect(signIn.status).toBe(401);
    // Even an unverified second claim cannot be verified once the address is someone's.
    const [other] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO customer_accounts (password_hash) VALUES ('x') RETURNING id`,
    );
    const [emailRow] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO customer_account_emails (account_id, email) VALUES ($1, $2) RETURNING id`,
      [other?.id, email],
    );
    const expiresAt = new Date(Math.floor((Date.now() + 3600_000) / 1000) * 1000);
    const [mailRow] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO customer_account_mails (account_id, email_id, kind, expires_at, status) VALUES ($1, $2, 'verify', $3, 'sent') RETURNING id`,
      [other?.id, emailRow?.id, expiresAt],
    );
    const token = signLinkToken(app.config.values.APP_SECRET, { mailId: mailRow.id, kind: 'verify', expiresAt });
    const claim = await intruder.request('POST', '/api/portal/verify', { token });
    expect(claim.status).toBe(409);
    expect(((await claim.json()) as { error: string }).error).toBe('address_taken');
  });

  it('signs in by magic link once; an expired link fails', async () => {
    const email = 'magic@example.org';
    await registeredCustomer(app, sink, email);
    const agent = new CustomerAgent(app);
    await agent.preCsrf();
    const before = sink.messages.length;
    expect((await agent.request('POST', '/api/portal/magic-link', { email })).status).toBe(202);
    // An unknown address gets the same answer and no mail.
    expect((await agent.request('POST', '/api/portal/magic-link', { email: 'nobody@example.org' })).status).toBe(202);
    const { token, path } = await linkFromSink(sink, email, before + 1);
    expect(path).toBe('/portal/link');
    await agent.signedIn(await agent.request('POST', '/api/portal/link', { token }));
    expect((await agent.request('GET', '/api/portal/me')).status).toBe(200);
    const other = new CustomerAgent(app);
    await other.preCsrf();
    expect((await other.request('POST', '/api/portal/link', { token })).status).toBe(400);
    expect(sink.messages.filter((m) => m.to.includes('nobody@example.org'))).toHaveLength(0);

    const [row] = await app.dataSource.query<Array<{ account_id: string; email_id: string }>>(
      `SELECT account_id, email_id FROM customer_account_mails WHERE id = $1`,
      [token.split('.')[0]],
    );
    const expiresAt = new Date(Math.floor((Date.now() - 1000) / 1000) * 1000);
    const [expired] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO customer_account_mails (account_id, email_id, kind, expires_at, status) VALUES ($1, $2, 'magic_link', $3, 'sent') RETURNING id`,
      [row?.account_id, row?.email_id, expiresAt],
    );
    const old = signLinkToken(app.config.values.APP_SECRET, { mailId: expired.id, kind: 'magic_link', expiresAt });
    expect((await other.request('POST', '/api/portal/link', { token: old })).status).toBe(400);
  });

  it('throttles password attempts per address and IP like staff sign-in, without enumeration or locking the owner out', async () => {
    const email = 'throttled@example.org';
    await registeredCustomer(app, sink, email);
    const agent = new CustomerAgent(app);
    await agent.preCsrf();
    const wrong = await agent.request('POST', '/api/portal/sign-in', { email, password: 'wrong wrong wrong 1' });
    const unknown = await agent.request('POST', '/api/portal/sign-in', {
      email: 'ghost@example.org',
      password: 'wrong wrong wrong 1',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(await wrong.json());
    for (let i = 0; i < 2; i++) {
      await agent.request('POST', '/api/portal/sign-in', { email, password: 'wrong wrong wrong 1' });
      await agent.request('POST', '/api/portal/sign-in', {
        email: 'ghost@example.org',
        password: 'wrong wrong wrong 1',
      });
    }
    // Three failures from this IP: now even the right password is refused here, and an unknown
    // address gets the very same answer.
    const locked = await agent.request('POST', '/api/portal/sign-in', { email, password: REGISTRATION.password });
    const lockedUnknown = await agent.request('POST', '/api/portal/sign-in', {
      email: 'ghost@example.org',
      password: 'x',
    });
    expect(locked.status).toBe(429);
    expect(lockedUnknown.status).toBe(429);
    expect(await lockedUnknown.json()).toEqual(await locked.json());
    // The owner still gets in: from another IP, and by a sign-in link.
    const elsewhere = new CustomerAgent(app);
    await elsewhere.preCsrf();
    await elsewhere.signedIn(
      await elsewhere.request(
        'POST',
        '/api/portal/sign-in',
        { email, password: REGISTRATION.password },
        { 'x-forwarded-for': '203.0.113.9' },
      ),
    );
    const before = sink.messages.length;
    await agent.request('POST', '/api/portal/magic-link', { email });
    const { token } = await linkFromSink(sink, email, before + 1);
    await agent.signedIn(await agent.request('POST', '/api/portal/link', { token }));
    expect((await agent.request('GET', '/api/portal/me')).status).toBe(200);
    // Login events like staff ones: browser family, language, IP; in the same table and retention.
    const events = await app.dataSource
      .getRepository(LoginEventEntity)
      .find({ where: { customerAccountId: await accountOf(email) }, order: { id: 'ASC' } });
    expect(events.filter((e) => !e.success).length).toBe(4);
    expect(events.filter((e) => e.success).map((e) => e.ip)).toContain('203.0.113.9');
    expect(events[0]?.ip).toBeTruthy();
  });

  it('keeps customer and staff sessions apart in both directions', async () => {
    const customer = await registeredCustomer(app, sink, 'apart@example.org');
    const cookie = [...customer.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    for (const path of ['/api/tickets', '/api/auth/me', '/api/views', '/api/privacy/dsr']) {
      const res = await fetch(`${app.baseUrl}${path}`, { headers: { cookie } });
      expect([path, res.status]).toEqual([path, 401]);
    }
    const agent = await staff(app, UserRole.Admin, 'Portal Admin');
    const res = await fetch(`${app.baseUrl}/api/portal/requests`, { headers: { cookie: agent.cookie } });
    expect(res.status).toBe(401);
    // Signed in, a change without the session's CSRF token is refused.
    const noCsrf = await customer.request('POST', '/api/portal/data/erasure', {}, { 'x-csrf-token': '' });
    expect(noCsrf.status).toBe(403);
  });

  async function accountOf(email: string): Promise<string> {
    const [row] = await app.dataSource.query<Array<{ account_id: string }>>(
      `SELECT account_id FROM customer_account_emails WHERE email = $1 AND verified_at IS NOT NULL`,
      [email],
    );
    return row.account_id;
  }
});
