import { DeliveryStatus, MailboxEntity, MessageEntity, UserRole } from '@app/database';
import { MailboxOAuthService, MailboxService } from '@app/intake';
import { PasswordCipher } from '@app/mail';
import { ReplyToTicket } from '@app/tickets';
import { startDovecot, startSmtpSink, waitFor, type SmtpSink, type TestDovecot } from '@app/testing';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ImapFlow } from 'imapflow';
import { PollerModule } from '../../apps/poller/src/poller.module';
import { PlatformModule } from '@app/platform';
import { email, IMAP_TEST_ENV, ticketsWithSubjectPrefix, USER } from '../imap/support/imap-env';
import { api, staff, type StaffSession } from '../support/inbox-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import {
  authorizeInBrowser,
  DESK_CLIENT,
  MAIL_SERVER_CLIENT,
  startOAuthServer,
  type TestOAuthServer,
} from './oauth-server';

const PUBLIC_URL = 'http://desk.example.test';
const REDIRECT_URI = `${PUBLIC_URL}/api/mailboxes/oauth/callback`;
/** Access tokens live 125 s; the desk refreshes 120 s before expiry, so after 5 s a refresh is due. */
const ACCESS_TTL = 125;

/**
 * OAuth2 mailboxes end to end against real servers, no mocks: a real authorization server
 * (oidc-provider) issues, refreshes and revokes tokens; Dovecot's oauth2 passdb and the SMTP sink
 * accept XOAUTH2 only for tokens that server says are active (RFC 7662 introspection).
 */
describe('OAuth2 mailbox: connect, IMAP and SMTP with XOAUTH2, refresh, revoke, reconnect', () => {
  let oauth: TestOAuthServer;
  let dovecot: TestDovecot;
  let sink: SmtpSink;
  let t: TestApp;
  let admin: StaffSession;
  let agent: StaffSession;
  let mailboxId: string;
  let poller: INestApplicationContext | null = null;
  const smtpTokens: string[] = [];

  beforeAll(async () => {
    oauth = await startOAuthServer({ redirectUri: REDIRECT_URI, account: USER, accessTtlSeconds: ACCESS_TTL });
    dovecot = await startDovecot(
      { [USER]: 'not-used-with-oauth' },
      {
        oauth2: {
          introspectionUrl: oauth.introspectionUrl,
          clientId: MAIL_SERVER_CLIENT.id,
          clientSecret: MAIL_SERVER_CLIENT.secret,
        },
      },
    );
    sink = await startSmtpSink({
      oauth2: {
        validate: async (user, token) => {
          smtpTokens.push(token);
          const info = await oauth.introspect(token);
          return info.active && info.sub === user;
        },
      },
    });
    t = await startTestApp({
      worker: true,
      env: {
        ...IMAP_TEST_ENV,
        PUBLIC_URL,
        MAIL_FROM: USER,
        OAUTH_CUSTOM_AUTHORIZE_URL: oauth.authorizeUrl,
        OAUTH_CUSTOM_TOKEN_URL: oauth.tokenUrl,
        OAUTH_CUSTOM_REVOKE_URL: oauth.revokeUrl,
        OAUTH_CUSTOM_SCOPES: 'openid offline_access',
        OAUTH_CUSTOM_CLIENT_ID: DESK_CLIENT.id,
        OAUTH_CUSTOM_CLIENT_SECRET: DESK_CLIENT.secret,
      },
    });
    admin = await staff(t, UserRole.Admin, 'Olive Admin');
    agent = await staff(t, UserRole.Agent, 'Oscar Agent');
    const mailbox = await t.app.get(MailboxService).create({
      name: 'workspace',
      address: USER,
      host: dovecot.host,
      port: dovecot.port,
      tls: false,
      username: USER,
      password: 'placeholder',
    });
    mailboxId = mailbox.id;
    // The provider's SMTP server (the custom provider has no preset).
    await t.dataSource.query(
      `UPDATE mailboxes SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_tls = false WHERE id = $1`,
      [mailboxId, sink.port],
    );
  });
  afterAll(async () => {
    await poller?.close().catch(() => undefined);
    await t?.close();
    await sink?.close();
    await dovecot?.destroy();
    await oauth?.close();
  });

  async function startPoller(): Promise<void> {
    @Module({ imports: [PlatformModule.forRoot(t.config, t.database.url), PollerModule] })
    class PollerRoot {}
    poller = await NestFactory.createApplicationContext(PollerRoot, { logger: false });
    await poller.init();
  }

  async function connect(who: StaffSession): Promise<Response> {
    const started = await fetch(`${t.baseUrl}/api/admin/mailboxes/${mailboxId}/oauth/start`, {
      method: 'POST',
      headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'custom' }),
    });
    if (started.status !== 200) return started;
    const { authorizeUrl } = (await started.json()) as { authorizeUrl: string };
    const back = await authorizeInBrowser(authorizeUrl, REDIRECT_URI);
    return fetch(`${t.baseUrl}${back.pathname}${back.search}`, { redirect: 'manual', headers: { cookie: who.cookie } });
  }

  const row = () => t.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id: mailboxId });
  const lastError = async () =>
    (
      await t.dataSource.query<Array<{ last_error: string | null }>>(
        `SELECT last_error FROM mailbox_states WHERE mailbox_id = $1`,
        [mailboxId],
      )
    )[0]?.last_error ?? null;

  it('only admins may connect; the flow with PKCE stores the grant encrypted', async () => {
    expect((await connect(agent)).status).toBe(403);
    const start = new URL(
      (
        (await (
          await fetch(`${t.baseUrl}/api/admin/mailboxes/${mailboxId}/oauth/start`, {
            method: 'POST',
            headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
            body: JSON.stringify({ provider: 'custom' }),
          })
        ).json()) as { authorizeUrl: string }
      ).authorizeUrl,
    );
    expect(start.searchParams.get('code_challenge_method')).toBe('S256');
    expect(start.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);

    // The admin signs in at the provider, which sends the browser back to the callback.
    const back = await authorizeInBrowser(start.toString(), REDIRECT_URI);
    const callback = () =>
      fetch(`${t.baseUrl}${back.pathname}${back.search}`, { redirect: 'manual', headers: { cookie: admin.cookie } });
    const done = await callback();
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Mailbox connected');
    // The same authorisation cannot be completed twice (state is single-use).
    expect((await callback()).status).toBe(400);
    const mailbox = await row();
    expect(mailbox.authMethod).toBe('oauth2');
    expect(mailbox.oauthError).toBeNull();
    const cipher = t.app.get(PasswordCipher);
    const refresh = cipher.decrypt(mailbox.oauthRefreshTokenEncrypted!);
    expect(mailbox.oauthRefreshTokenEncrypted).not.toContain(refresh);
    expect((await oauth.introspect(cipher.decrypt(mailbox.oauthAccessTokenEncrypted!))).active).toBe(true);
    const view = await (
      await fetch(`${t.baseUrl}/api/admin/mailboxes/${mailboxId}`, { headers: { cookie: admin.cookie } })
    ).json();
    expect(view).toMatchObject({ authMethod: 'oauth2', oauthProvider: 'custom', oauthError: null });
    expect(JSON.stringify(view)).not.toContain(refresh);
  });

  it('the servers refuse a token the authorization server did not issue', async () => {
    const bogus = new ImapFlow({
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      auth: { user: USER, accessToken: 'made-up-token' },
      logger: false,
    });
    bogus.on('error', () => undefined);
    await expect(bogus.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  /** Appends a customer's email to INBOX and returns its ticket once the poller (XOAUTH2) made it. */
  async function ticketFromMail(subject: string, from: string): Promise<{ id: string }> {
    await dovecot.append(USER, 'INBOX', email({ subject, from }));
    await waitFor(async () => (await ticketsWithSubjectPrefix(t, subject)).length === 1, {
      what: 'ticket over XOAUTH2',
      timeoutMs: 30_000,
    });
    return (await ticketsWithSubjectPrefix(t, subject))[0];
  }

  it('reads mail over IMAP and sends replies over SMTP with XOAUTH2', async () => {
    await startPoller();
    const ticket = await ticketFromMail('OAuth first', 'Nia <nia@customer.test>');
    const before = sink.messages.length;
    const { messageId } = await t.app
      .get(ReplyToTicket)
      .execute({ id: admin.id, role: UserRole.Admin, name: 'Olive Admin' }, ticket.id, 'Answered via OAuth2.');
    await sink.waitForCount(before + 1, 20_000);
    const sent = await waitFor(
      async () => {
        const m = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: messageId });
        return m.deliveryStatus === DeliveryStatus.Sent ? m : undefined;
      },
      { what: 'reply sent' },
    );
    expect(sent.deliveryError).toBeNull();
    expect(sink.messages[before]?.to).toEqual(['nia@customer.test']);
  });

  it('an admin moves the OAuth2 mailbox to another SMTP server through the admin API; replies go there', async () => {
    const other = await startSmtpSink({
      oauth2: {
        validate: async (user, token) => {
          const info = await oauth.introspect(token);
          return info.active && info.sub === user;
        },
      },
    });
    const patch = (who: StaffSession, body: unknown) => api(t, who)('PATCH', `/api/admin/mailboxes/${mailboxId}`, body);
    try {
      expect((await patch(agent, { smtpHost: '127.0.0.1', smtpPort: other.port })).status).toBe(403);
      const moved = await patch(admin, { smtpHost: '127.0.0.1', smtpPort: other.port, smtpTls: false });
      expect(moved.status).toBe(200);
      expect(await moved.json()).toMatchObject({ smtpHost: '127.0.0.1', smtpPort: other.port, smtpTls: false });
      expect((await patch(admin, { smtpHost: 'bad host!' })).status).toBe(400);

      const ticket = await ticketFromMail('Moved server', 'Noa <noa@customer.test>');
      const before = sink.messages.length;
      await t.app
        .get(ReplyToTicket)
        .execute({ id: admin.id, role: UserRole.Admin, name: 'Olive Admin' }, ticket.id, 'From the new server.');
      const [mail] = await other.waitForCount(1, 20_000);
      expect(mail.to).toEqual(['noa@customer.test']);
      expect(sink.messages.length).toBe(before);

      // An empty host goes back to the provider's preset (the custom provider has none: the desk's SMTP_URL).
      const cleared = await patch(admin, { smtpHost: '' });
      expect(cleared.status).toBe(200);
      expect(await cleared.json()).toMatchObject({ smtpHost: null });
    } finally {
      await patch(admin, { smtpHost: '127.0.0.1', smtpPort: sink.port, smtpTls: false });
      await other.close();
    }
    // A mailbox signed in with a password has smtpUrl for that, and is told so.
    const plain = await t.app.get(MailboxService).create({
      name: 'plain',
      address: 'plain@desk.test',
      host: dovecot.host,
      port: dovecot.port,
      tls: false,
      username: 'plain@desk.test',
      password: 'secret',
      enabled: false,
    });
    const refused = await api(t, admin)('PATCH', `/api/admin/mailboxes/${plain.id}`, { smtpHost: 'smtp.example.test' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('smtpUrl');
    await t.app.get(MailboxService).remove(plain.id);
  });

  it('refreshes the access token before it expires; a reconnect (after a long IDLE) uses the new one', async () => {
    const firstExpiry = (await row()).oauthAccessExpiresAt!.getTime();
    // Past the refresh point (ACCESS_TTL − 120 s); then the server drops the IDLE session.
    await new Promise((r) => setTimeout(r, 5_500));
    dovecot.kick(USER);
    await dovecot.append(USER, 'INBOX', email({ subject: 'OAuth after refresh' }));
    await waitFor(async () => (await ticketsWithSubjectPrefix(t, 'OAuth after refresh')).length === 1, {
      what: 'ticket after the refresh',
      timeoutMs: 30_000,
    });
    const refreshed = await row();
    expect(refreshed.oauthAccessExpiresAt!.getTime()).toBeGreaterThan(firstExpiry);
    expect(await lastError()).toBeNull();
  });

  it('a revoked grant shows as the mailbox error, loses no mail, and a reconnect resumes from the UID cursor', async () => {
    const cipher = t.app.get(PasswordCipher);
    const refresh = cipher.decrypt((await row()).oauthRefreshTokenEncrypted!);
    await oauth.revoke(refresh, 'refresh_token');
    dovecot.kick(USER);
    await dovecot.append(USER, 'INBOX', email({ subject: 'OAuth while revoked' }));
    await waitFor(async () => (await lastError()) === 'oauth_revoked', {
      what: 'oauth_revoked shown',
      timeoutMs: 30_000,
    });
    expect((await row()).oauthError).toBe('oauth_revoked');
    // The mail waits on the server; no ticket was made, nothing deleted.
    expect((await ticketsWithSubjectPrefix(t, 'OAuth while revoked')).length).toBe(0);
    expect(await dovecot.count(USER, 'INBOX')).toBeGreaterThanOrEqual(1);
    // A reply meanwhile waits with the reason instead of failing.
    const [ticket] = await ticketsWithSubjectPrefix(t, 'OAuth first');
    const { messageId } = await t.app
      .get(ReplyToTicket)
      .execute({ id: admin.id, role: UserRole.Admin, name: 'Olive Admin' }, ticket.id, 'Sent after reconnect.');
    await waitFor(
      async () =>
        (await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: messageId })).deliveryError ===
        'oauth_revoked',
      { what: 'reply waiting on the grant' },
    );

    // The admin reconnects: the mail that waited is read (once), the reply goes out.
    const before = sink.messages.length;
    expect((await connect(admin)).status).toBe(200);
    await waitFor(async () => (await ticketsWithSubjectPrefix(t, 'OAuth while revoked')).length === 1, {
      what: 'the waiting mail read after reconnect',
      timeoutMs: 30_000,
    });
    await sink.waitForCount(before + 1, 20_000);
    expect((await ticketsWithSubjectPrefix(t, 'OAuth')).map((x) => x.subject).sort()).toEqual([
      'OAuth after refresh',
      'OAuth first',
      'OAuth while revoked',
    ]);
    expect((await row()).oauthError).toBeNull();
    await waitFor(async () => (await lastError()) === null, { what: 'mailbox error cleared' });
  });

  it('disconnecting revokes the grant at the provider', async () => {
    const cipher = t.app.get(PasswordCipher);
    const refresh = cipher.decrypt((await row()).oauthRefreshTokenEncrypted!);
    await t.app.get(MailboxOAuthService).revoke(mailboxId);
    expect((await oauth.introspect(refresh)).active).toBe(false);
    expect((await row()).oauthRefreshTokenEncrypted).toBeNull();
  });
});
