import { AuditService, SYSTEM_ACTOR, userActor } from '@app/audit';
import { hmacHex, randomToken, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { LoginEventEntity, SessionEntity, UserEntity, UserRole } from '@app/database';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import type { DataSource } from 'typeorm';
import { AuthError } from './auth.error';
import { browserFamily, preferredLanguage } from './client-info';
import { checkPassword } from './password-rules';
import { SessionCache } from './session-cache';
import { TwoFactorService } from './two-factor.service';

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
  /** Their role must use two-factor sign-in and they have not turned it on yet. */
  twoFactorSetupRequired: boolean;
}

export interface LoginInput {
  email: string;
  password: string;
  /** A TOTP code or a recovery code, for users with two-factor sign-in. */
  otp?: string;
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: AuthenticatedUser;
}

// Verifying against a real hash when the user does not exist (or the source is throttled) keeps
// the timing the same as a real check.
const DUMMY_HASH = argon2.hash('intake-timing-equaliser', { type: argon2.argon2id });

interface SessionRow {
  session_id: string;
  csrf_token: string;
  expires_at: Date;
  user_id: string;
  email: string;
  name: string;
  role: UserRole;
  two_factor_setup_required: boolean;
}

// One indexed lookup (ux_sessions_token_hash) joined to the user by primary key; the desk setting
// naming the roles that must use two-factor sign-in is one more primary-key lookup.
const SESSION_SQL = `SELECT s.id AS session_id, s.csrf_token, s.expires_at, u.id AS user_id, u.email, u.name, u.role,
    (NOT u.totp_enabled AND EXISTS (SELECT 1 FROM desk_settings d WHERE d.key = 'two_factor_roles' AND d.value ? u.role::text))
      AS two_factor_setup_required
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`;

@Injectable()
export class AuthService implements OnApplicationShutdown {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly twoFactor: TwoFactorService,
    private readonly cache: SessionCache<AuthenticatedUser>,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.cache.stop();
  }

  /** True while sessions are served from memory (caching on and its LISTEN connection up). */
  get sessionCacheActive(): boolean {
    return this.cache.enabled;
  }

  /**
   * Checks credentials (and the second factor when the user has one), records the attempt as a
   * login event and in the audit log, and opens a session.
   *
   * Throttling is per account *and* source IP: after LOGIN_ACCOUNT_FAILURES_PER_15M failures for
   * an address from one IP, that IP gets `login_throttled` for that address, while the owner
   * signs in from anywhere else. Known and unknown addresses get the same answers and do the same
   * work (a real argon2 verification every time), so the answers reveal nothing about who exists.
   */
  async login(input: LoginInput, client: ClientInfo): Promise<LoginResult> {
    const email = input.email.trim().toLowerCase();
    const accountHash = hmacHex(this.config.values.APP_SECRET, 'login-account', email);
    const [user, failures] = await Promise.all([
      this.dataSource.getRepository(UserEntity).findOne({ where: { email } }),
      this.recentFailures(accountHash, client.ip ?? null),
    ]);
    const throttled = failures >= this.config.values.LOGIN_ACCOUNT_FAILURES_PER_15M;
    const usable = user?.active && !throttled ? user : null;
    const passwordOk = await argon2.verify(usable ? usable.passwordHash : await DUMMY_HASH, input.password);
    if (throttled) {
      await this.fail(user, accountHash, client, 'throttled');
      throw new AuthError('login_throttled', 'Too many failed sign-ins from here; try again in 15 minutes');
    }
    if (!usable || !passwordOk) {
      await this.fail(user, accountHash, client, !user ? 'unknown_account' : !user.active ? 'disabled' : 'password');
      throw new AuthError('invalid_credentials', 'Email or password is wrong');
    }
    let secondFactor: 'totp' | 'recovery' | null = null;
    if (usable.totpEnabled) {
      if (!input.otp) throw new AuthError('otp_required', 'Enter the code from your authenticator app');
      secondFactor = await this.twoFactor.verify(usable, input.otp);
      if (!secondFactor) {
        await this.fail(user, accountHash, client, 'second_factor');
        throw new AuthError('invalid_otp', 'That code is not right');
      }
    }
    await this.recordLogin(usable.id, true, accountHash, client);
    const result = await this.openSession(usable);
    await this.audit.record({
      actor: userActor(usable.id),
      action: 'auth.sign_in',
      target: { type: 'user', id: usable.id },
      ip: client.ip ?? null,
      details: secondFactor ? { secondFactor } : undefined,
    });
    return result;
  }

  /** A session for a user who has just proven who they are (sign-in, first-run set-up). */
  async openSession(user: UserEntity): Promise<LoginResult> {
    const token = randomToken();
    const expiresAt = new Date(Date.now() + this.config.values.SESSION_TTL_HOURS * 3600_000);
    const session = await this.dataSource.getRepository(SessionEntity).save({
      userId: user.id,
      tokenHash: sha256Hex(token),
      csrfToken: randomToken(24),
      expiresAt,
    });
    const [row] = await this.dataSource.query<Array<{ required: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM desk_settings d WHERE d.key = 'two_factor_roles' AND d.value ? $1) AS required`,
      [user.role],
    );
    return {
      token,
      expiresAt,
      user: toAuthenticated(user, session, !user.totpEnabled && Boolean(row?.required)),
    };
  }

  async logout(user: AuthenticatedUser): Promise<void> {
    await this.dataSource.getRepository(SessionEntity).delete({ id: user.sessionId });
    // Other replicas hear the trigger's NOTIFY; this one must not wait for it.
    this.cache.clear();
    await this.audit.record({
      actor: userActor(user.id),
      action: 'auth.sign_out',
      target: { type: 'user', id: user.id },
    });
  }

  /**
   * Changes the signed-in user's password (the current one is required) and ends every other
   * session of theirs, so a stolen session dies with the old password.
   */
  async changePassword(user: AuthenticatedUser, current: unknown, next: unknown): Promise<{ sessionsEnded: number }> {
    const password = checkPassword(next, 'newPassword');
    const entity = await this.dataSource.getRepository(UserEntity).findOne({ where: { id: user.id } });
    if (!entity || typeof current !== 'string' || !(await argon2.verify(entity.passwordHash, current))) {
      throw new AuthError('invalid_credentials', 'The current password is wrong', { currentPassword: 'is wrong' });
    }
    const passwordHash = await argon2.hash(password, { type: argon2.argon2id });
    const ended = await this.dataSource.transaction(async (m) => {
      await m.getRepository(UserEntity).update({ id: user.id }, { passwordHash });
      const deleted = await m.query<[unknown[], number]>(`DELETE FROM sessions WHERE user_id = $1 AND id <> $2`, [
        user.id,
        user.sessionId,
      ]);
      await m.query(`UPDATE user_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [user.id]);
      await this.audit.record(
        {
          actor: userActor(user.id),
          action: 'user.password_changed',
          target: { type: 'user', id: user.id },
          details: { sessionsEnded: deleted[1] },
        },
        m,
      );
      return deleted[1];
    });
    this.cache.clear();
    return { sessionsEnded: ended };
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
      twoFactorSetupRequired: row.two_factor_setup_required,
    });
    this.cache.set(key, user, row.expires_at.getTime(), snapshot);
    return user;
  }

  private async recentFailures(accountHash: string, ip: string | null): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM login_events
        WHERE account_hash = $1 AND ip IS NOT DISTINCT FROM $2 AND NOT success AND created_at > now() - interval '15 minutes'`,
      [accountHash, ip],
    );
    return Number(row?.n ?? 0);
  }

  private async fail(user: UserEntity | null, accountHash: string, client: ClientInfo, reason: string): Promise<void> {
    await this.recordLogin(user?.id ?? null, false, accountHash, client);
    await this.audit.record({
      actor: SYSTEM_ACTOR,
      action: 'auth.sign_in_failed',
      target: { type: 'user', id: user?.id ?? null },
      ip: client.ip ?? null,
      details: { reason },
    });
  }

  private async recordLogin(
    userId: string | null,
    success: boolean,
    accountHash: string,
    client: ClientInfo,
  ): Promise<void> {
    await this.dataSource.getRepository(LoginEventEntity).insert({
      userId,
      success,
      accountHash,
      ip: client.ip ?? null,
      browser: browserFamily(client.userAgent),
      language: preferredLanguage(client.acceptLanguage),
    });
  }
}

function toAuthenticated(user: UserEntity, session: SessionEntity, twoFactorSetupRequired: boolean): AuthenticatedUser {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    sessionId: session.id,
    csrfToken: session.csrfToken,
    twoFactorSetupRequired,
  };
}
