import { isUuid } from '@app/common';
import { AppConfig } from '@app/config';
import { MailboxEntity, MailboxOauthStateEntity } from '@app/database';
import { PasswordCipher, type SmtpRoute } from '@app/mail';
import { QueueService } from '@app/queue';
import { enqueueSends, SmtpRouteResolver } from '@app/tickets';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { LessThan, type DataSource } from 'typeorm';
import { MailboxError } from '../mailbox.error';
import { oauthProviders, type OAuthProvider, type OAuthProviderName } from './oauth-providers';

/** A pending authorisation is valid this long. */
const STATE_TTL_MS = 10 * 60_000;
/** Refresh an access token this long before it expires (a long IDLE or a send must not hit expiry). */
const REFRESH_MARGIN_MS = 2 * 60_000;

/** A token error that only a new authorisation can fix. */
export class OAuthGrantError extends Error {
  constructor(readonly code: 'oauth_revoked' | 'oauth_not_connected' | 'oauth_provider_unknown') {
    super(code);
  }
}

const sha256 = (v: string) => createHash('sha256').update(v).digest('base64url');

/**
 * OAuth2 for mailboxes (Google Workspace, Microsoft 365, any RFC 6749 provider): the
 * authorization-code flow with PKCE (S256) started by an admin, the refresh token encrypted at rest
 * like passwords, access tokens refreshed before they expire (one refresh at a time per mailbox,
 * across processes, under a row lock), and a revoked grant recorded as `oauth_revoked` on the
 * mailbox — the poller shows it as the mailbox error and leaves every message on the server.
 *
 * The token endpoint is two form POSTs (RFC 6749 §4.1.3 and §6), done with fetch: the maintained
 * clients (openid-client, oauth4webapi) are ESM-only, which jest on Node 20 cannot load.
 */
@Injectable()
export class MailboxOAuthService extends SmtpRouteResolver {
  private readonly logger = new Logger(MailboxOAuthService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: PasswordCipher,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
  ) {
    super();
  }

  get redirectUri(): string {
    return new URL('/api/mailboxes/oauth/callback', this.config.values.PUBLIC_URL).toString();
  }

  providers(): Array<Pick<OAuthProvider, 'name' | 'imap' | 'smtp' | 'scopes'>> {
    return [...oauthProviders(this.config.values).values()].map(({ name, imap, smtp, scopes }) => ({
      name,
      imap,
      smtp,
      scopes,
    }));
  }

  private provider(name: string | null): OAuthProvider {
    const p = name ? oauthProviders(this.config.values).get(name as OAuthProviderName) : undefined;
    if (!p) throw new MailboxError('invalid_mailbox', `OAuth2 provider "${name}" is not configured`);
    return p;
  }

  /**
   * Step 1: the URL to send the admin's browser to. `redirectUri` is for `intake mailbox connect`:
   * a loopback address (RFC 8252 §7.3) the CLI listens on; the admin screen uses the desk's own.
   */
  async start(
    mailboxId: string,
    providerName: string,
    options: { redirectUri?: string } = {},
  ): Promise<{ authorizeUrl: string }> {
    const provider = this.provider(providerName);
    const redirectUri = this.redirectFor(options.redirectUri);
    const mailbox = isUuid(mailboxId)
      ? await this.dataSource.getRepository(MailboxEntity).findOneBy({ id: mailboxId })
      : null;
    if (!mailbox) throw new MailboxError('mailbox_not_found', 'No such mailbox');
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const repo = this.dataSource.getRepository(MailboxOauthStateEntity);
    await repo.delete({ createdAt: LessThan(new Date(Date.now() - STATE_TTL_MS)) });
    await repo.insert({
      stateHash: sha256(state),
      mailboxId,
      provider: provider.name,
      codeVerifierEncrypted: this.cipher.encrypt(verifier),
    });
    const url = new URL(provider.authorizeUrl);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: redirectUri,
      scope: provider.scopes,
      state,
      code_challenge: sha256(verifier),
      code_challenge_method: 'S256',
      login_hint: mailbox.username,
      ...provider.extraParams,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { authorizeUrl: url.toString() };
  }

  /** Step 2: the provider sent the browser back with `code` and `state` (to the same redirect URI as step 1). */
  async complete(
    query: { code?: unknown; state?: unknown; error?: unknown },
    options: { redirectUri?: string } = {},
  ): Promise<{ mailboxId: string }> {
    const redirectUri = this.redirectFor(options.redirectUri);
    const state = typeof query.state === 'string' ? query.state : '';
    const repo = this.dataSource.getRepository(MailboxOauthStateEntity);
    const pending = state ? await repo.findOneBy({ stateHash: sha256(state) }) : null;
    if (!pending || pending.createdAt.getTime() < Date.now() - STATE_TTL_MS) {
      throw new MailboxError('invalid_mailbox', 'Unknown or expired authorisation; start again');
    }
    await repo.delete({ stateHash: pending.stateHash });
    if (typeof query.error === 'string' || typeof query.code !== 'string') {
      throw new MailboxError('invalid_mailbox', 'The provider did not grant access');
    }
    const provider = this.provider(pending.provider);
    const tokens = await this.tokenRequest(provider, {
      grant_type: 'authorization_code',
      code: query.code,
      redirect_uri: redirectUri,
      code_verifier: this.cipher.decrypt(pending.codeVerifierEncrypted),
    });
    if (!tokens.ok || !tokens.body.refresh_token) {
      throw new MailboxError('invalid_mailbox', 'The provider refused the authorisation code or gave no refresh token');
    }
    const mailbox = await this.dataSource.getRepository(MailboxEntity).findOneByOrFail({ id: pending.mailboxId });
    mailbox.authMethod = 'oauth2';
    mailbox.oauthProvider = provider.name;
    mailbox.oauthRefreshTokenEncrypted = this.cipher.encrypt(tokens.body.refresh_token);
    mailbox.oauthAccessTokenEncrypted = this.cipher.encrypt(tokens.body.access_token);
    mailbox.oauthAccessExpiresAt = expiry(tokens.body.expires_in);
    mailbox.oauthError = null;
    if (!mailbox.smtpHost && provider.smtp) {
      mailbox.smtpHost = provider.smtp.host;
      mailbox.smtpPort = provider.smtp.port;
      mailbox.smtpTls = provider.smtp.tls;
    }
    // Saving bumps updated_at, so pollers restart the mailbox with the new grant.
    await this.dataSource.getRepository(MailboxEntity).save(mailbox);
    this.logger.log({ mailboxId: mailbox.id, provider: provider.name }, 'mailbox connected with OAuth2');
    // Replies that waited for the grant (queued with an oauth_* reason) go out now.
    const waiting = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id
        WHERE m.delivery_status = 'queued' AND m.delivery_error LIKE 'oauth\\_%'
          AND COALESCE(m.mailbox_id, t.mailbox_id) = $1`,
      [mailbox.id],
    );
    await enqueueSends(
      this.queue,
      waiting.map((w) => w.id),
      { replaceFailed: true },
    );
    return { mailboxId: mailbox.id };
  }

  /** The desk's callback, or a loopback one (http on 127.0.0.1, [::1] or localhost; nothing else). */
  private redirectFor(loopback: string | undefined): string {
    if (loopback === undefined) return this.redirectUri;
    const url = URL.canParse(loopback) ? new URL(loopback) : null;
    if (!url || url.protocol !== 'http:' || !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
      throw new MailboxError('invalid_mailbox', "A redirect URI other than the desk's must be a loopback http address");
    }
    return url.toString();
  }

  /**
   * A valid access token for the mailbox, refreshed when it expires within REFRESH_MARGIN_MS.
   * Throws OAuthGrantError `oauth_revoked` when the provider refuses the refresh token
   * (invalid_grant), and records that on the mailbox; network trouble throws a plain error (the
   * caller retries as for any connection failure).
   */
  async accessToken(mailboxId: string): Promise<string> {
    const cached = await this.dataSource.getRepository(MailboxEntity).findOneBy({ id: mailboxId });
    const fresh = (m: MailboxEntity | null) =>
      m?.oauthAccessTokenEncrypted &&
      m.oauthAccessExpiresAt &&
      m.oauthAccessExpiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS;
    this.assertUsable(cached);
    if (fresh(cached)) return this.cipher.decrypt(cached!.oauthAccessTokenEncrypted!);
    let revoked = false;
    const token = await this.dataSource.transaction(async (m) => {
      // One refresh per mailbox at a time (poller, workers and api may all ask together).
      const mailbox = await m.findOne(MailboxEntity, { where: { id: mailboxId }, lock: { mode: 'pessimistic_write' } });
      this.assertUsable(mailbox);
      if (fresh(mailbox)) return this.cipher.decrypt(mailbox!.oauthAccessTokenEncrypted!);
      const provider = this.provider(mailbox!.oauthProvider);
      const result = await this.tokenRequest(provider, {
        grant_type: 'refresh_token',
        refresh_token: this.cipher.decrypt(mailbox!.oauthRefreshTokenEncrypted!),
      });
      if (!result.ok) {
        if (result.body.error === 'invalid_grant') {
          revoked = true;
          return '';
        }
        throw Object.assign(new Error('oauth_refresh_failed'), { code: 'oauth_refresh_failed' });
      }
      await m.query(
        `UPDATE mailboxes SET oauth_access_token_encrypted = $2, oauth_access_expires_at = $3,
                oauth_refresh_token_encrypted = COALESCE($4, oauth_refresh_token_encrypted)
          WHERE id = $1`,
        [
          mailboxId,
          this.cipher.encrypt(result.body.access_token),
          expiry(result.body.expires_in),
          result.body.refresh_token ? this.cipher.encrypt(result.body.refresh_token) : null,
        ],
      );
      return result.body.access_token;
    });
    if (revoked) {
      // Recorded after the lock's transaction, without bumping updated_at: the poller keeps its
      // (failing) session loop and shows the error; reconnecting saves the mailbox and restarts it.
      await this.dataSource.query(`UPDATE mailboxes SET oauth_error = 'oauth_revoked' WHERE id = $1`, [mailboxId]);
      this.logger.warn({ mailboxId }, 'OAuth2 grant revoked: the mailbox must be reconnected');
      throw new OAuthGrantError('oauth_revoked');
    }
    return token;
  }

  /**
   * The server refused a token we believed valid (revoked at the provider, or the clock is off):
   * forget it, so the next connection refreshes — and learns whether the grant is gone.
   */
  async invalidateAccessToken(mailboxId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE mailboxes SET oauth_access_expires_at = now() - interval '1 second' WHERE id = $1`,
      [mailboxId],
    );
  }

  /** Disconnects: revokes the refresh token at the provider (when it can) and forgets the tokens. */
  async revoke(mailboxId: string): Promise<void> {
    const mailbox = isUuid(mailboxId)
      ? await this.dataSource.getRepository(MailboxEntity).findOneBy({ id: mailboxId })
      : null;
    if (!mailbox) throw new MailboxError('mailbox_not_found', 'No such mailbox');
    if (mailbox.oauthRefreshTokenEncrypted && mailbox.oauthProvider) {
      const provider = this.provider(mailbox.oauthProvider);
      if (provider.revokeUrl) {
        const body = new URLSearchParams({
          token: this.cipher.decrypt(mailbox.oauthRefreshTokenEncrypted),
          token_type_hint: 'refresh_token',
          client_id: provider.clientId,
          ...(provider.clientSecret ? { client_secret: provider.clientSecret } : {}),
        });
        await fetch(provider.revokeUrl, { method: 'POST', body, signal: AbortSignal.timeout(15_000) }).catch(
          () => undefined,
        );
      }
    }
    mailbox.oauthRefreshTokenEncrypted = null;
    mailbox.oauthAccessTokenEncrypted = null;
    mailbox.oauthAccessExpiresAt = null;
    mailbox.oauthError = 'oauth_not_connected';
    await this.dataSource.getRepository(MailboxEntity).save(mailbox);
  }

  /** SmtpRouteResolver: OAuth2 mailboxes send through their provider's SMTP with XOAUTH2. */
  async routeFor(mailbox: MailboxEntity): Promise<SmtpRoute | undefined> {
    if (mailbox.authMethod !== 'oauth2') return undefined;
    if (!mailbox.smtpHost) return undefined;
    return {
      host: mailbox.smtpHost,
      port: mailbox.smtpPort ?? 465,
      secure: mailbox.smtpTls,
      user: mailbox.username,
      accessToken: await this.accessToken(mailbox.id),
      rejectUnauthorized: mailbox.tlsRejectUnauthorized,
    };
  }

  private assertUsable(m: MailboxEntity | null): void {
    if (!m) throw new MailboxError('mailbox_not_found', 'No such mailbox');
    if (m.oauthError === 'oauth_revoked') throw new OAuthGrantError('oauth_revoked');
    if (!m.oauthRefreshTokenEncrypted) throw new OAuthGrantError('oauth_not_connected');
  }

  private async tokenRequest(
    provider: OAuthProvider,
    params: Record<string, string>,
  ): Promise<{
    ok: boolean;
    body: { access_token: string; refresh_token?: string; expires_in?: number; error?: string };
  }> {
    const body = new URLSearchParams({
      ...params,
      client_id: provider.clientId,
      ...(provider.clientSecret ? { client_secret: provider.clientSecret } : {}),
    });
    const res = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json().catch(() => ({}))) as {
      access_token?: unknown;
      refresh_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    const ok = res.ok && typeof json.access_token === 'string';
    return {
      ok,
      body: {
        access_token: typeof json.access_token === 'string' ? json.access_token : '',
        ...(typeof json.refresh_token === 'string' ? { refresh_token: json.refresh_token } : {}),
        ...(typeof json.expires_in === 'number' ? { expires_in: json.expires_in } : {}),
        ...(typeof json.error === 'string' ? { error: json.error } : {}),
      },
    };
  }
}

function expiry(expiresIn: number | undefined): Date {
  return new Date(Date.now() + (expiresIn ?? 3600) * 1000);
}
