import type { SmtpSink } from '@app/testing';
import type { TestApp } from '../support/test-app';

/**
 * A customer talking to the portal's JSON API with its own cookie jar, like a browser would.
 * Every response body it receives is kept in `seen` so tests can scan all of them for leaks.
 */
export class CustomerAgent {
  readonly cookies = new Map<string, string>();
  csrf = '';
  readonly seen: string[] = [];

  constructor(
    private readonly app: TestApp,
    readonly seenBodies: string[] = [],
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && this.csrf && !('x-csrf-token' in headers)) h['x-csrf-token'] = this.csrf;
    let payload: FormData | string | undefined;
    if (body instanceof FormData || typeof body === 'string') payload = body;
    else if (body !== undefined) {
      h['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${this.app.baseUrl}${path}`, { method, headers: h, body: payload, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, ...rest] = (pair ?? '').split('=');
      if (!name) continue;
      const value = rest.join('=');
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const text = await res.clone().text();
    this.seen.push(text);
    this.seenBodies.push(text);
    return res;
  }

  /** The pre-sign-in CSRF token (cookie + value), as the forms carry it. */
  async preCsrf(): Promise<void> {
    const res = await this.request('GET', '/api/portal/csrf');
    this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  }

  async signedIn(res: Response): Promise<void> {
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  }
}

export const REGISTRATION = {
  name: 'Ingrid Vasquez-Holm',
  password: 'violet tractor marmalade 42',
  company: 'Holm Freight AB',
  website: 'https://holm-freight.example',
  phone: '+46 8 123 45 67',
  postalAddress: 'Holm Freight AB\nHamngatan 4\n111 47 Stockholm',
};

/** The link token in the newest mail of the sink sent to `to`. */
export async function linkFromSink(
  sink: SmtpSink,
  to: string,
  count: number,
): Promise<{ token: string; path: string }> {
  const messages = await sink.waitForCount(count);
  const mine = messages.filter((m) => m.to.includes(to));
  const last = mine[mine.length - 1];
  if (!last) throw new Error('no mail for that address');
  const parsed = await last.parsed();
  const match = /https?:\/\/\S+(\/portal\/(?:verify|link))\?token=([\w.-]+)/.exec(parsed.text ?? '');
  if (!match?.[1] || !match[2]) throw new Error('no link in the mail');
  return { path: match[1], token: match[2] };
}

/** Registers and verifies through the real mail: returns the signed-in agent. */
export async function registeredCustomer(
  app: TestApp,
  sink: SmtpSink,
  email: string,
  seenBodies: string[] = [],
  name = REGISTRATION.name,
): Promise<CustomerAgent> {
  const agent = new CustomerAgent(app, seenBodies);
  await agent.preCsrf();
  const before = sink.messages.length;
  const res = await agent.request('POST', '/api/portal/register', { ...REGISTRATION, name, email });
  if (res.status !== 202) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const { token } = await linkFromSink(sink, email, before + 1);
  await agent.signedIn(await agent.request('POST', '/api/portal/verify', { token }));
  return agent;
}
