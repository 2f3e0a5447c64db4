import { freePort } from '@app/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface TestOAuthServer {
  issuer: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  introspectionUrl: string;
  /** RFC 7662 introspection as the mail servers do it. */
  introspect(token: string): Promise<{ active: boolean; sub?: string }>;
  /** RFC 7009 revocation, as the account owner withdrawing access at the provider would. */
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<void>;
  close(): Promise<void>;
}

export const MAIL_SERVER_CLIENT = { id: 'mail-server', secret: 'mail-server-secret' };
export const DESK_CLIENT = { id: 'intake-desk', secret: 'desk-secret' };

/** Runs authorization-server.mjs (a real oidc-provider) in a child process: it is ESM-only. */
export async function startOAuthServer(options: {
  redirectUri: string;
  account: string;
  accessTtlSeconds: number;
}): Promise<TestOAuthServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'authorization-server.mjs')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      REDIRECT_URI: options.redirectUri,
      ACCOUNT: options.account,
      ACCESS_TTL: String(options.accessTtlSeconds),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`oauth server did not start: ${stderr}`)), 15_000);
    child.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`oauth server exited (${code}): ${stderr}`));
    });
  });
  const issuer = `http://127.0.0.1:${port}`;
  const form = (fields: Record<string, string>) =>
    new URLSearchParams({ ...fields, client_id: MAIL_SERVER_CLIENT.id, client_secret: MAIL_SERVER_CLIENT.secret });
  return {
    issuer,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    revokeUrl: `${issuer}/token/revocation`,
    introspectionUrl: `${issuer}/token/introspection`,
    introspect: async (token) => {
      const res = await fetch(`${issuer}/token/introspection`, { method: 'POST', body: form({ token }) });
      return (await res.json()) as { active: boolean; sub?: string };
    },
    revoke: async (token, hint) => {
      const res = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        body: new URLSearchParams({
          token,
          token_type_hint: hint,
          client_id: DESK_CLIENT.id,
          client_secret: DESK_CLIENT.secret,
        }),
      });
      if (!res.ok) throw new Error(`revocation failed: ${res.status}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Plays the admin's browser at the provider: follows redirects (keeping the provider's cookies)
 * from the authorisation URL until the provider sends the browser to `redirectUri`; answers that URL.
 */
export async function authorizeInBrowser(authorizeUrl: string, redirectUri: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(redirectUri)) return new URL(url);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`authorisation stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}
