import { UserRole } from '@app/database';
import { Secret, TOTP } from 'otpauth';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/** Sign-in throttling without enumeration, login CSRF, password change, two-factor sign-in. */
describe('account security', () => {
  let app: TestApp;
  let admin: StaffSession;

  beforeAll(async () => {
    app = await startTestApp({ env: { LOGIN_ACCOUNT_FAILURES_PER_15M: '3', LOGIN_RATE_LIMIT_PER_15M: '1000' } });
    admin = await staff(app, UserRole.Admin, 'Sec Admin');
  });
  afterAll(async () => {
    await app.close();
  });

  const login = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${app.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });
  const session = (res: Response) => {
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const csrf = /intake_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
    return { cookie, csrf: decodeURIComponent(csrf) };
  };

  it('answers unknown and real accounts alike, and throttles only the hammering source', async () => {
    const real = await staff(app, UserRole.Agent, 'Victim Agent');
    const unknown = 'nobody-here@desk.test';
    const attacker = from('203.0.113.66');
    const realAnswers = [];
    const unknownAnswers = [];
    for (let i = 0; i < 5; i++) {
      realAnswers.push(await answer(await login({ email: real.email, password: 'wrong-password-xyz' }, attacker)));
      unknownAnswers.push(await answer(await login({ email: unknown, password: 'wrong-password-xyz' }, attacker)));
    }
    // Same status and body sequence: 401 ×3, then 429 login_throttled — for both.
    expect(realAnswers).toEqual(unknownAnswers);
    expect(realAnswers.map((a) => a.status)).toEqual([401, 401, 401, 429, 429]);
    expect(realAnswers[4].body.error).toBe('login_throttled');
    // The right password from the attacker's IP is refused while throttled…
    expect((await login({ email: real.email, password: 'correct horse battery staple' }, attacker)).status).toBe(429);
    // …while the owner, elsewhere, signs in.
    expect(
      (await login({ email: real.email, password: 'correct horse battery staple' }, from('198.51.100.7'))).status,
    ).toBe(200);
    const failures = await app.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM audit_log WHERE action = 'auth.sign_in_failed' AND target_id = $1`,
      [real.id],
    );
    expect(Number(failures[0].n)).toBe(6);
    const reasons = await app.dataSource.query<Array<{ reason: string }>>(
      `SELECT details->>'reason' AS reason FROM audit_log WHERE action = 'auth.sign_in_failed' AND target_id IS NULL`,
    );
    expect(new Set(reasons.map((r) => r.reason))).toEqual(new Set(['unknown_account', 'throttled']));
  });

  it('refuses cross-site sign-in (login CSRF) and lets same-origin through', async () => {
    const body = { email: admin.email, password: 'correct horse battery staple' };
    const crossOrigin = await login(body, { origin: 'https://evil.example' });
    expect(await answer(crossOrigin)).toMatchObject({ status: 403, body: { error: 'cross_site_request' } });
    expect((await login(body, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await login(body, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await login(body, { origin: app.baseUrl, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('changes the password only with the current one, and ends the other sessions', async () => {
    const user = await staff(app, UserRole.Agent, 'Pw Changer');
    const other = session(await login({ email: user.email, password: 'correct horse battery staple' }));
    const call = api(app, user);
    expect((await call('GET', '/api/auth/me')).status).toBe(200);
    const wrong = await call('POST', '/api/auth/password', {
      currentPassword: 'not it at all',
      newPassword: 'a brand new password 1',
    });
    expect(wrong.status).toBe(401);
    const short = await call('POST', '/api/auth/password', {
      currentPassword: 'correct horse battery staple',
      newPassword: 'short',
    });
    expect(await answer(short)).toMatchObject({ status: 400, body: { error: 'invalid_password' } });
    const ok = await call('POST', '/api/auth/password', {
      currentPassword: 'correct horse battery staple',
      newPassword: 'a brand new password 1',
    });
    expect(await answer(ok)).toEqual({ status: 200, body: { sessionsEnded: 1 } });
    expect((await fetch(`${app.baseUrl}/api/auth/me`, { headers: { cookie: other.cookie } })).status).toBe(401);
    expect((await call('GET', '/api/auth/me')).status).toBe(200);
    expect((await login({ email: user.email, password: 'correct horse battery staple' })).status).toBe(401);
    expect((await login({ email: user.email, password: 'a brand new password 1' })).status).toBe(200);
    const [entry] = await app.dataSource.query<Array<{ details: unknown }>>(
      `SELECT details FROM audit_log WHERE action = 'user.password_changed' AND target_id = $1`,
      [user.id],
    );
    expect(entry.details).toEqual({ sessionsEnded: 1 });
  });

  it('requires a TOTP code once two-factor sign-in is on; recovery codes work once; an admin can reset it', async () => {
    const user = await staff(app, UserRole.Supervisor, 'Two Factor');
    const call = api(app, user);
    const setup = (await (await call('POST', '/api/auth/2fa/setup')).json()) as { secret: string; otpauthUrl: string };
    expect(setup.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    const totp = new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30 });
    // The secret is stored encrypted, never as given.
    const [stored] = await app.dataSource.query<Array<{ s: string }>>(
      `SELECT totp_secret_encrypted AS s FROM users WHERE id = $1`,
      [user.id],
    );
    expect(stored.s).not.toContain(setup.secret);
    expect((await call('POST', '/api/auth/2fa/confirm', { code: '000000' })).status).toBe(401);
    const now = totp.generate();
    const confirmed = (await (await call('POST', '/api/auth/2fa/confirm', { code: now })).json()) as {
      recoveryCodes: string[];
    };
    expect(confirmed.recoveryCodes).toHaveLength(10);

    const password = 'correct horse battery staple';
    expect(await answer(await login({ email: user.email, password }))).toMatchObject({
      status: 401,
      body: { error: 'otp_required' },
    });
    // The code already used for the confirmation cannot be replayed.
    expect(await answer(await login({ email: user.email, password, otp: now }))).toMatchObject({
      status: 401,
      body: { error: 'invalid_otp' },
    });
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    expect((await login({ email: user.email, password, otp: next })).status).toBe(200);

    const code = confirmed.recoveryCodes[0];
    expect((await login({ email: user.email, password, otp: code })).status).toBe(200);
    expect((await login({ email: user.email, password, otp: code })).status).toBe(401);
    expect((await answer(await call('GET', '/api/auth/2fa'))).body).toMatchObject({
      enabled: true,
      recoveryCodesLeft: 9,
    });

    // Lost phone: an admin resets it, and the password alone works again.
    expect((await api(app, admin)('DELETE', `/api/admin/users/${user.id}/2fa`)).status).toBe(204);
    expect((await login({ email: user.email, password })).status).toBe(200);
    const actions = await app.dataSource.query<Array<{ action: string; actor_id: string }>>(
      `SELECT action, actor_id FROM audit_log WHERE target_id = $1 AND action LIKE 'user.two_factor%' ORDER BY id`,
      [user.id],
    );
    expect(actions).toEqual([
      { action: 'user.two_factor_enabled', actor_id: user.id },
      { action: 'user.two_factor_reset', actor_id: admin.id },
    ]);
  });

  it('holds users of a role that requires two-factor sign-in at the set-up until they turn it on', async () => {
    const agent = await staff(app, UserRole.Agent, 'Must Enrol');
    const adminCall = api(app, admin);
    expect((await adminCall('PUT', '/api/admin/settings', { twoFactorRoles: ['agent'] })).status).toBe(200);
    const call = api(app, agent);
    const me = (await (await call('GET', '/api/auth/me')).json()) as { user: { twoFactorSetupRequired: boolean } };
    expect(me.user.twoFactorSetupRequired).toBe(true);
    expect(await answer(await call('GET', '/api/tickets'))).toMatchObject({
      status: 403,
      body: { error: 'two_factor_setup_required' },
    });
    const setup = (await (await call('POST', '/api/auth/2fa/setup')).json()) as { secret: string };
    const totp = new TOTP({ secret: Secret.fromBase32(setup.secret), digits: 6, period: 30 });
    expect((await call('POST', '/api/auth/2fa/confirm', { code: totp.generate() })).status).toBe(200);
    expect((await call('GET', '/api/tickets')).status).toBe(200);
    expect((await adminCall('PUT', '/api/admin/settings', { twoFactorRoles: [] })).status).toBe(200);
  });
});
