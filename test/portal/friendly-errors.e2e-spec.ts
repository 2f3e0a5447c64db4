import { InboundMessageEntity } from '@app/database';
import { startTestApp, type TestApp } from '../support/test-app';
import { CustomerAgent } from './portal-client';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function multipart(fields: Record<string, string>, file?: { name: string; bytes: number }): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (file) body.append('attachments', new Blob([Buffer.alloc(file.bytes)]), file.name);
  return body;
}

/**
 * Friendly pages (issue 13): the public form and the portal answer a browser with pages in the
 * site's style that keep what was typed; API clients asking for JSON keep JSON.
 */
describe('friendly error pages for customers', () => {
  let app: TestApp;
  const typed = {
    name: 'Greta Typed',
    email: 'greta@example.org',
    subject: 'Kept subject',
    message: 'Kept message body',
  };

  beforeAll(async () => {
    app = await startTestApp({ env: { FORM_RATE_LIMIT_PER_HOUR: '4', FORM_MAX_ATTACHMENT_BYTES: '1048576' } });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('413: a file over the limit gets a page that keeps the typed fields; JSON clients keep JSON', async () => {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { accept: BROWSER },
      body: multipart(typed, { name: 'big.bin', bytes: 1048577 }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('A file is too large');
    expect(html).toContain('value="Greta Typed"');
    expect(html).toContain('Kept message body</textarea>');
    expect(html).not.toContain('"statusCode"');
    const json = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: multipart(typed, { name: 'big.bin', bytes: 1048577 }),
    });
    expect(json.status).toBe(413);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await json.json()) as { statusCode: number }).statusCode).toBe(413);
  });

  it('400: a field error gets a page naming the field, with the typed text kept', async () => {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { accept: BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...typed, email: 'not-an-address' }).toString(),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Please check your request');
    expect(html).toContain('email must be an email address');
    expect(html).toContain('value="Kept subject"');
    expect(await app.dataSource.getRepository(InboundMessageEntity).count()).toBe(0);
  });

  it('the honeypot answer looks like any success', async () => {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { accept: BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...typed, website: 'http://spam.example' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/support\/sent\?reference=T-[1-9]\d*$/);
    expect(await app.dataSource.getRepository(InboundMessageEntity).count()).toBe(0);
  });

  it('429: the rate limit gets a page', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${app.baseUrl}/api/requests`, {
        method: 'POST',
        headers: { accept: BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(typed).toString(),
        redirect: 'manual',
      });
      if (last.status === 429) break;
    }
    expect(last?.status).toBe(429);
    const html = await last!.text();
    expect(html).toContain('Too many requests');
    expect(html).toMatch(/<html lang="en">/);
  });

  it('portal: a browser without a session is sent to sign-in; the API answers 401 JSON', async () => {
    const page = await fetch(`${app.baseUrl}/portal/requests`, { headers: { accept: BROWSER }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/portal/sign-in');
    const api = await fetch(`${app.baseUrl}/api/portal/requests`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: string }).error).toBe('portal_unauthenticated');
  });

  it('portal: a registration form with errors comes back with messages and the typed values (never the password)', async () => {
    const agent = new CustomerAgent(app);
    await agent.preCsrf();
    const res = await agent.request(
      'POST',
      '/portal/register',
      new URLSearchParams({
        _csrf: agent.csrf,
        name: 'Kept Name',
        email: 'bad',
        password: 'letmein123',
        company: 'Kept Co',
      }).toString(),
      { accept: BROWSER, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': agent.csrf },
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('value="Kept Name"');
    expect(html).toContain('value="Kept Co"');
    expect(html).toContain('Email address must be an email address');
    expect(html).toContain('Password is one of the most common passwords');
    expect(html).not.toContain('letmein123');
    expect(html).not.toMatch(/<script/i);
  });
});
