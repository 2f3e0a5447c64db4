import { randomToken, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { LoginEventEntity, SessionEntity, UserEntity, UserRole } from '@app/database';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import { MoreThan, type DataSource } from 'typeorm';
import { AuthError } from './auth.error';
import { browserFamily, preferredLanguage } from './client-info';
import { SessionCache } from './session-cache';

export interface ClientInfo {
  ip: string | undefined;
  userAgent: string | undefined;
  acceptLanguage: string | undefined;
}

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  sessionId: string;
  csrfToken: string;
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: AuthenticatedUser;
}

// Verifying against a real hash when the user does not exist keeps the timing the same.
const DUMMY_HASH = argon2.hash('intake-timing-equaliser', { type: argon2.argon2id });

interface SessionRow {
  session_id: string;
  csrf_token: string;
  expires_at: Date;
  user_id: string;
  email: string;
  name: string;
  role: UserRole;
}

// One indexed lookup (ux_sessions_token_hash) joined to the user by primary key.
const SESSION_SQL = `SELECT s.id AS session_id, s.csrf_token, s.expires_at, u.id AS user_id, u.email, u.name, u.role
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`;

@Injectable()
export class AuthService implements OnApplicationShutdown {
  private readonly cache: SessionCache<AuthenticatedUser>;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.cache = new SessionCache(
      config.values.SESSION_CACHE_SECONDS * 1000,
      (dataSource.options as { url?: string }).url,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.stop();
  }

  /** True while sessions are served from memory (caching on and its LISTEN connection up). */
  get sessionCacheActive(): boolean {
    return this.cache.enabled;
  }

  /**
   * Checks credentials, records the attempt as a login event (IP, browser family, language, time)
   * and opens a session. Too many recent failures lock the account for a while, whatever the IP.
   */
  async login(email: string, password: string, client: ClientInfo): Promise<LoginResult> {
    const users = this.dataSource.getRepository(UserEntity);
    const user = await users.findOne({ where: { email: email.trim().toLowerCase() } });
    if (user && (await this.recentFailures(user.id)) >= this.config.values.LOGIN_ACCOUNT_FAILURES_PER_15M) {
      await this.recordLogin(user.id, false, client);
      throw new AuthError('account_locked', 'Too many failed sign-ins; try again in 15 minutes');
    }
    const ok = user?.active
      ? await argon2.verify(user.passwordHash, password)
      : await argon2.verify(await DUMMY_HASH, password).then(() => false);
    await this.recordLogin(user?.id ?? null, ok, client);
    if (!user || !ok) throw new AuthError('invalid_credentials', 'Email or password is wrong');

    const token = randomToken();
    const expiresAt = new Date(Date.now() + this.config.values.SESSION_TTL_HOURS * 3600_000);
    const session = await this.dataSource.getRepository(SessionEntity).save({
      userId: user.id,
      tokenHash: sha256Hex(token),
      csrfToken: randomToken(24),
      expiresAt,
    });
    return { token, expiresAt, user: toAuthenticated(user, session) };
  }

  async logout(sessionId: string): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).delete({ id: sessionId });
    // Other replicas hear the trigger's NOTIFY; this one must not wait for it.
    this.cache.clear();
  }

  /**
   * The user behind a session cookie, or null when it is unknown, expired or the user is disabled.
   * Served from a short in-process cache that any session or user change empties (SessionCache).
   */
  async authenticate(token: string | undefined): Promise<AuthenticatedUser | null> {
    if (!token || token.length > 100) return null;
    // The LISTEN connection opens with the first lookup, so processes that never check a session
    // (CLI, worker) hold none; until it is up every lookup goes to the database.
    void this.cache.start();
    const key = sha256Hex(token);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const snapshot = this.cache.snapshot();
    const [row] = await this.dataSource.query<SessionRow[]>(SESSION_SQL, [key]);
    if (!row) return null;
    // Frozen: the same object may serve many requests from the cache.
    const user: AuthenticatedUser = Object.freeze({
      id: row.user_id,
      email: row.email,
      name: row.name,
      role: row.role,
      sessionId: row.session_id,
      csrfToken: row.csrf_token,
    });
    this.cache.set(key, user, row.expires_at.getTime(), snapshot);
    return user;
  }

  private async recentFailures(userId: string): Promise<number> {
    return this.dataSource.getRepository(LoginEventEntity).count({
      where: { userId, success: false, createdAt: MoreThan(new Date(Date.now() - 15 * 60_000)) },
    });
  }

  private async recordLogin(userId: string | null, success: boolean, client: ClientInfo): Promise<void> {
    await this.dataSource.getRepository(LoginEventEntity).insert({
      userId,
      success,
      ip: client.ip ?? null,
      browser: browserFamily(client.userAgent),
      language: preferredLanguage(client.acceptLanguage),
    });
  }
}

function toAuthenticated(user: UserEntity, session: SessionEntity): AuthenticatedUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    sessionId: session.id,
    csrfToken: session.csrfToken,
  };
}
