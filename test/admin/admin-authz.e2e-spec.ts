import { UserRole } from '@app/database';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

type Who = 'anonymous' | 'agent' | 'supervisor' | 'admin';
const STAFF: Who[] = ['agent', 'supervisor', 'admin'];
const SUPERVISORS: Who[] = ['supervisor', 'admin'];
const ADMINS: Who[] = ['admin'];
const PUBLIC: Who[] = ['anonymous', 'agent', 'supervisor', 'admin'];

/**
 * Who may call each route of issue 12. The list of routes comes from the OpenAPI document, so a
 * new route under these prefixes without a rule here fails the test.
 */
const RULES: Record<string, Who[]> = {
  'GET /api/admin/users': SUPERVISORS,
  'POST /api/admin/users': ADMINS,
  'PATCH /api/admin/users/{id}': ADMINS,
  'POST /api/admin/users/{id}/reset-password': ADMINS,
  'POST /api/admin/users/{id}/revoke-sessions': ADMINS,
  'DELETE /api/admin/users/{id}/2fa': ADMINS,
  'GET /api/admin/groups': SUPERVISORS,
  'POST /api/admin/groups': ADMINS,
  'PATCH /api/admin/groups/{id}': ADMINS,
  'PUT /api/admin/groups/{id}/members': ADMINS,
  'DELETE /api/admin/groups/{id}': ADMINS,
  'GET /api/admin/audit': SUPERVISORS,
  'GET /api/admin/audit/actions': SUPERVISORS,
  'GET /api/admin/audit/export.csv': SUPERVISORS,
  'GET /api/admin/settings': ADMINS,
  'PUT /api/admin/settings': ADMINS,
  'GET /api/admin/outbound': ADMINS,
  'POST /api/admin/outbound/test': ADMINS,
  'GET /api/admin/mailboxes': ADMINS,
  'POST /api/admin/mailboxes': ADMINS,
  'GET /api/admin/mailboxes/{id}': ADMINS,
  'PATCH /api/admin/mailboxes/{id}': ADMINS,
  'POST /api/admin/mailboxes/{id}/test': ADMINS,
  // OAuth2 mailboxes (issue 14).
  'GET /api/admin/mailboxes-oauth/providers': ADMINS,
  'POST /api/admin/mailboxes/{id}/oauth/start': ADMINS,
  'POST /api/admin/mailboxes/{id}/oauth/revoke': ADMINS,
  'DELETE /api/admin/mailboxes/{id}': ADMINS,
  'GET /api/admin/quarantine': ADMINS,
  'POST /api/admin/quarantine/{id}/replay': ADMINS,
  'POST /api/admin/quarantine/{id}/delete': ADMINS,
  'POST /api/auth/password': STAFF,
  'GET /api/auth/2fa': STAFF,
  'POST /api/auth/2fa/setup': STAFF,
  'POST /api/auth/2fa/confirm': STAFF,
  'POST /api/auth/2fa/recovery-codes': STAFF,
  'DELETE /api/auth/2fa': STAFF,
  'GET /api/auth/password-link/{token}': PUBLIC,
  'POST /api/auth/password-link': PUBLIC,
  'GET /api/setup': PUBLIC,
  'POST /api/setup': PUBLIC,
  // The Privacy admin screen's API (issue 6, on screen since issue 12).
  'GET /api/privacy/retention/policy': SUPERVISORS,
  'PUT /api/privacy/retention/policy/{dataClass}': ADMINS,
  'DELETE /api/privacy/retention/policy/{dataClass}': ADMINS,
  'GET /api/privacy/retention/plan': ADMINS,
  'POST /api/privacy/retention/runs': ADMINS,
  'GET /api/privacy/retention/runs': SUPERVISORS,
  'GET /api/privacy/dsr': ADMINS,
  'POST /api/privacy/dsr': ADMINS,
  'GET /api/privacy/dsr/{id}': ADMINS,
  'POST /api/privacy/dsr/{id}/verify': ADMINS,
  'POST /api/privacy/dsr/{id}/reject': ADMINS,
  'POST /api/privacy/dsr/{id}/complete': ADMINS,
  'GET /api/privacy/consents': ADMINS,
  'GET /api/privacy/contacts/{id}/consents': ADMINS,
  'POST /api/privacy/contacts/{id}/consents': STAFF,
  'GET /api/privacy/contacts/{id}/withdrawal-link': ADMINS,
  'GET /api/privacy/policy-versions': SUPERVISORS,
  'POST /api/privacy/policy-versions': ADMINS,
  'GET /api/privacy/policy': PUBLIC,
  'GET /api/privacy/stats/daily': SUPERVISORS,
  'POST /api/privacy/stats/rollup': ADMINS,
  // Reports and the activity view (issue 11).
  ...Object.fromEntries(
    ['volume', 'backlog', 'agents', 'organisations'].flatMap((r) => [
      [`GET /api/reports/${r}`, SUPERVISORS],
      [`GET /api/reports/${r}.csv`, SUPERVISORS],
    ]),
  ),
  'GET /api/activity': SUPERVISORS,
  'GET /api/activity/export.csv': SUPERVISORS,
};
const COVERED =
  /^\/api\/(admin\/(users|groups|audit|settings|outbound|mailboxes|quarantine)|auth\/(password|2fa)|setup|privacy\/|reports\/|activity)/;

describe('authorization of the admin and account routes, by role', () => {
  let app: TestApp;
  let sessions: Record<Who, StaffSession | null>;

  beforeAll(async () => {
    app = await startTestApp({ env: { LOGIN_RATE_LIMIT_PER_15M: '100000' } });
    sessions = {
      anonymous: null,
      agent: await staff(app, UserRole.Agent, 'Matrix Agent'),
      supervisor: await staff(app, UserRole.Supervisor, 'Matrix Supervisor'),
      admin: await staff(app, UserRole.Admin, 'Matrix Admin'),
    };
  });
  afterAll(async () => {
    await app.close();
  });

  it('has a rule for every such route of the OpenAPI document, and each role gets exactly its rule', async () => {
    const doc = (await (await fetch(`${app.baseUrl}/api/docs-json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = routes.filter((r) => COVERED.test(r.split(' ')[1]));
    expect(covered.filter((r) => !RULES[r])).toEqual([]);
    expect(Object.keys(RULES).filter((r) => !routes.includes(r))).toEqual([]);

    const wrong: string[] = [];
    for (const route of covered) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template
        .replace('{id}', '00000000-0000-4000-8000-000000000000')
        .replace('{token}', 'x'.repeat(30))
        .replace('{dataClass}', 'login_ip');
      for (const who of ['anonymous', ...STAFF] as Who[]) {
        const res = await api(app, sessions[who])(method, path, method === 'GET' ? undefined : {});
        const allowed = RULES[route].includes(who);
        // A role decision answers `unauthenticated` or `forbidden`; a wrong password, code or
        // set-up token (401/403 with its own code) is the route working for an allowed caller.
        const code = ((await res.json().catch(() => ({}))) as { error?: string }).error;
        const denied = code === 'unauthenticated' || code === 'forbidden';
        if (allowed === denied) wrong.push(`${who} ${route} → ${res.status} ${code}`);
        if (!allowed && who === 'anonymous' && res.status !== 401)
          wrong.push(`${who} ${route} → ${res.status}, not 401`);
        if (!allowed && who !== 'anonymous' && res.status !== 403)
          wrong.push(`${who} ${route} → ${res.status}, not 403`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('serves Bull Board at /admin/queues to admins only, and takes its changes only from the desk itself', async () => {
    const get = (who: Who) =>
      fetch(`${app.baseUrl}/admin/queues`, { headers: sessions[who] ? { cookie: sessions[who].cookie } : {} });
    expect((await get('anonymous')).status).toBe(403);
    expect((await get('agent')).status).toBe(403);
    expect((await get('supervisor')).status).toBe(403);
    const page = await get('admin');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Intake queues');
    const queuesApi = await fetch(`${app.baseUrl}/admin/queues/api/queues?activeQueue=intake&page=1`, {
      headers: { cookie: sessions.admin!.cookie },
    });
    expect(queuesApi.status).toBe(200);
    const names = ((await queuesApi.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toContain('intake');

    const pause = (headers: Record<string, string>) =>
      fetch(`${app.baseUrl}/admin/queues/api/queues/intake/pause`, {
        method: 'PUT',
        headers: { cookie: sessions.admin!.cookie, ...headers },
      });
    expect((await pause({})).status).toBe(403);
    expect((await pause({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await pause({ 'sec-fetch-site': 'same-origin' })).status).toBeLessThan(300);
    const [entry] = await app.dataSource.query<Array<{ details: { method: string; path: string } }>>(
      `SELECT details FROM audit_log WHERE action = 'queue.changed'`,
    );
    expect(entry.details).toEqual({ method: 'PUT', path: '/api/queues/intake/pause' });
    await fetch(`${app.baseUrl}/admin/queues/api/queues/intake/resume`, {
      method: 'PUT',
      headers: { cookie: sessions.admin!.cookie, 'sec-fetch-site': 'same-origin' },
    });
  });
});
