import { MailboxEntity } from '@app/database';
import { MailboxService } from '@app/intake';
import { PasswordCipher } from '@app/mail';
import { freePort, waitFor } from '@app/testing';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app';
import { authorizeInBrowser, DESK_CLIENT, startOAuthServer, type TestOAuthServer } from './oauth-server';

const BIN = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'intake.js');
const ACCOUNT = 'support@workspace.test';

/**
 * `intake mailbox connect` against a real authorization server (oidc-provider): the CLI prints the
 * authorisation URL (PKCE S256), the "browser" signs in and is sent back to the CLI's loopback
 * address — or the admin pastes that address — and the mailbox ends up with encrypted tokens the
 * server considers active, as after the admin screen's flow.
 */
describe('intake mailbox connect (OAuth2 from the CLI)', () => {
  let oauth: TestOAuthServer;
  let t: TestApp;
  let port: number;
  let redirectUri: string;

  beforeAll(async () => {
    port = await freePort();
    redirectUri = `http://127.0.0.1:${port}/callback`;
    oauth = await startOAuthServer({ redirectUri, account: ACCOUNT, accessTtlSeconds: 600 });
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await oauth?.close();
  });

  function cli(args: string[]): {
    child: ChildProcessWithoutNullStreams;
    stdout: () => string;
    stderr: () => string;
    exit: Promise<number | null>;
  } {
    const v = t.config.values;
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: v.DATABASE_URL,
        REDIS_URL: v.REDIS_URL,
        QUEUE_PREFIX: v.QUEUE_PREFIX,
        APP_SECRET: v.APP_SECRET,
        ...(v.MAILBOX_ENCRYPTION_KEY ? { MAILBOX_ENCRYPTION_KEY: v.MAILBOX_ENCRYPTION_KEY } : {}),
        OAUTH_CUSTOM_AUTHORIZE_URL: oauth.authorizeUrl,
        OAUTH_CUSTOM_TOKEN_URL: oauth.tokenUrl,
        OAUTH_CUSTOM_REVOKE_URL: oauth.revokeUrl,
        OAUTH_CUSTOM_SCOPES: 'openid offline_access',
        OAUTH_CUSTOM_CLIENT_ID: DESK_CLIENT.id,
        OAUTH_CUSTOM_CLIENT_SECRET: DESK_CLIENT.secret,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, stdout: () => stdout, stderr: () => stderr, exit };
  }

  async function mailbox(name: string): Promise<string> {
    const created = await t.app.get(MailboxService).create({
      name,
      address: ACCOUNT,
      host: '127.0.0.1',
      port: 143,
      tls: false,
      username: ACCOUNT,
      password: 'placeholder',
    });
    return created.id;
  }

  async function authorizeUrlOf(run: ReturnType<typeof cli>): Promise<string> {
    return waitFor(() => /^(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(run.stdout())?.[1], {
      what: 'the authorisation URL on stdout',
      timeoutMs: 30_000,
    });
  }

  async function expectConnected(id: string): Promise<void> {
    const row = await t.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id });
    expect(row).toMatchObject({ authMethod: 'oauth2', oauthProvider: 'custom', oauthError: null });
    const cipher = t.app.get(PasswordCipher);
    expect(row.oauthRefreshTokenEncrypted).not.toBeNull();
    // Encrypted at rest, and what it decrypts to is a grant the provider honours.
    const access = cipher.decrypt(row.oauthAccessTokenEncrypted!);
    expect(row.oauthAccessTokenEncrypted).not.toContain(access);
    expect((await oauth.introspect(access)).active).toBe(true);
  }

  it('receives the code on its loopback redirect and stores the encrypted grant', async () => {
    const id = await mailbox('cli-loopback');
    const run = cli(['mailbox', 'connect', 'cli-loopback', '--provider', 'custom', '--port', String(port)]);
    const url = new URL(await authorizeUrlOf(run));
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(redirectUri);
    const back = await authorizeInBrowser(url.toString(), redirectUri);
    // The browser lands on the CLI's loopback listener.
    const landed = await fetch(back);
    expect(landed.status).toBe(200);
    expect(await run.exit).toBe(0);
    expect(run.stdout()).toContain('connected mailbox cli-loopback with OAuth2 (custom)');
    expect(run.stderr()).toBe('');
    await expectConnected(id);
  });

  it('accepts the pasted redirect address instead (--paste), and refuses a wrong one with one line', async () => {
    const id = await mailbox('cli-paste');
    const run = cli(['mailbox', 'connect', 'cli-paste', '--provider', 'custom', '--port', String(port), '--paste']);
    const back = await authorizeInBrowser(await authorizeUrlOf(run), redirectUri);
    run.child.stdin.write('not an address\n');
    await waitFor(() => run.stdout().includes('That is not the address') || undefined, { what: 'the hint' });
    run.child.stdin.write(`${back.toString()}\n`);
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toBe('');
    await expectConnected(id);

    const unknown = cli(['mailbox', 'connect', 'cli-paste']);
    expect(await unknown.exit).toBe(1);
    expect(unknown.stderr().trim()).toBe('error: --provider is required (configured: custom)');
  });
});
