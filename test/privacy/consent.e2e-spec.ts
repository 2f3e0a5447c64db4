import { UserRole } from '@app/database';
import { staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { call, submitForm } from './support/api';

interface Consenting {
  contactId: string;
  email: string;
}

describe('consent: records, current consenters, policy versions, no-login withdrawal', () => {
  let app: TestApp;
  let admin: StaffSession;
  let agent: StaffSession;

  beforeAll(async () => {
    app = await startTestApp({ worker: true });
    admin = await staff(app, UserRole.Admin, 'Privacy Admin');
    agent = await staff(app, UserRole.Agent, 'Agent Amy');
  });
  afterAll(async () => {
    await app.close();
  });

  const form = (email: string, extra: Record<string, string | boolean> = {}) => ({
    name: 'Consent Tester',
    email,
    subject: 'Question',
    message: 'Hello',
    ...extra,
  });

  async function consenting(purpose: string): Promise<string[]> {
    const res = await call(app, admin, 'GET', `/api/privacy/consents?purpose=${purpose}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as Consenting[]).map((c) => c.email).sort();
  }

  it('lists exactly the contacts whose latest decision grants the purpose', async () => {
    const a = await submitForm(app, form('ann@example.org', { consentPromotionalEmail: true }));
    const b = await submitForm(
      app,
      form('bob@example.org', { consentPromotionalEmail: true, consentMarketResearch: true }),
    );
    await submitForm(app, form('cid@example.org'));

    // Bob tells an agent he no longer wants offers.
    const res = await call(app, agent, 'POST', `/api/privacy/contacts/${b.contactId}/consents`, {
      purpose: 'promotional_email',
      granted: false,
    });
    expect(res.status).toBe(201);

    expect(await consenting('promotional_email')).toEqual(['ann@example.org']);
    expect(await consenting('market_research')).toEqual(['bob@example.org']);

    const rows = await app.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT source, granted, policy_version, ip_hash FROM consents WHERE contact_id = $1`,
      [a.contactId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'web_form', granted: true, policy_version: '2026-11' });
    expect(String(rows[0]?.ip_hash)).toMatch(/^[0-9a-f]{64}$/);
    expect(String(rows[0]?.ip_hash)).not.toContain('127.0.0.1');
  });

  it('shows the current policy version on the form and records it with new consents', async () => {
    const before = await (await fetch(`${app.baseUrl}/support`)).text();
    expect(before).toContain('Privacy policy version 2026-11');
    const published = await call(app, admin, 'POST', '/api/privacy/policy-versions', {
      version: '2026-12',
      text: 'Version twelve: we keep requests only while we need them.',
    });
    expect(published.status).toBe(201);
    const html = await (await fetch(`${app.baseUrl}/support`)).text();
    expect(html).toContain('Privacy policy version 2026-12');
    expect(html).toContain('Version twelve: we keep requests only while we need them.');
    expect(html).not.toMatch(/checked/);

    const d = await submitForm(app, form('dee@example.org', { consentMarketResearch: true }));
    const [row] = await app.dataSource.query<Array<{ policy_version: string }>>(
      `SELECT policy_version FROM consents WHERE contact_id = $1`,
      [d.contactId],
    );
    expect(row?.policy_version).toBe('2026-12');
    // Versions are never edited.
    const again = await call(app, admin, 'POST', '/api/privacy/policy-versions', { version: '2026-12', text: 'x' });
    expect(again.status).toBe(409);
  });

  it('withdraws through a signed link without signing in: GET confirms, POST withdraws', async () => {
    const [ann] = await app.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM contacts WHERE email = 'ann@example.org'`,
    );
    const linkRes = await call(
      app,
      admin,
      'GET',
      `/api/privacy/contacts/${ann?.id}/withdrawal-link?purpose=promotional_email`,
    );
    const { url } = (await linkRes.json()) as { url: string };
    expect(url).not.toContain('ann');
    expect(url).not.toContain('%40');
    const token = new URL(url).searchParams.get('token') as string;
    const path = new URL(url).pathname;

    const page = await fetch(`${app.baseUrl}${path}?token=${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/support/consent/withdraw">');
    // Looking at the page (as a mail scanner would) changes nothing.
    expect(await consenting('promotional_email')).toEqual(['ann@example.org']);

    const done = await fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Permission withdrawn');
    expect(await consenting('promotional_email')).toEqual([]);
    const [latest] = await app.dataSource.query<Array<{ source: string; granted: boolean }>>(
      `SELECT source, granted FROM consents WHERE contact_id = $1 AND purpose = 'promotional_email'
        ORDER BY created_at DESC LIMIT 1`,
      [ann?.id],
    );
    expect(latest).toEqual({ source: 'withdrawal_link', granted: false });

    // A forged token (another purpose with the same signature) is refused and changes nothing.
    const forged = token.replace('.p.', '.m.');
    const bad = await fetch(`${app.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: forged }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${app.baseUrl}${path}?token=${forged}`)).status).toBe(400);
  });

  it('keeps the consent query and policy changes to admins', async () => {
    const res = await call(app, agent, 'GET', '/api/privacy/consents?purpose=promotional_email');
    expect(res.status).toBe(403);
    expect((await fetch(`${app.baseUrl}/api/privacy/consents?purpose=market_research`)).status).toBe(401);
  });

  it('lets an agent record consent only for contacts of tickets the agent may see, revealing nothing else', async () => {
    const seen = await submitForm(app, form('visible@example.org'));
    const other = await submitForm(app, form('elsewhere@example.org'));
    const [group] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO groups (name) VALUES ('Consent elsewhere') RETURNING id`,
    );
    await app.dataSource.query('UPDATE tickets SET group_id = $1 WHERE id = $2', [group.id, other.ticketId]);
    const decide = (who: StaffSession, contactId: string) =>
      call(app, who, 'POST', `/api/privacy/contacts/${contactId}/consents`, {
        purpose: 'market_research',
        granted: true,
      });

    expect((await decide(agent, seen.contactId)).status).toBe(201);
    const hidden = await decide(agent, other.contactId);
    const missing = await decide(agent, '00000000-0000-4000-8000-000000000000');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    // Same answer for a contact the agent may not see and one that does not exist.
    expect(await hidden.json()).toEqual(await missing.json());
    expect(await app.dataSource.query('SELECT 1 FROM consents WHERE contact_id = $1', [other.contactId])).toHaveLength(
      0,
    );
    // A malformed id is a clear 400, not a database error.
    const malformed = await decide(agent, 'abc');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe('invalid_id');
    // Admins (and supervisors) see every ticket, so they may record it.
    expect((await decide(admin, other.contactId)).status).toBe(201);
  });
});
