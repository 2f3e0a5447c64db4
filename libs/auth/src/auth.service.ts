import { randomToken, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { LoginEventEntity, SessionEntity, UserEntity, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import { MoreThan, type DataSource } from 'typeorm';
import { AuthError } from './auth.error';
import { browserFamily, preferredLanguage } from './client-info';

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

@Injectable()
export class AuthService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

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
  }

  /** The user behind a session cookie, or null when it is unknown, expired or the user is disabled. */
  async authenticate(token: string | undefined): Promise<AuthenticatedUser | null> {
    if (!token || token.length > 100) return null;
    const session = await this.dataSource.getRepository(SessionEntity).findOne({
      where: { tokenHash: sha256Hex(token), expiresAt: MoreThan(new Date()) },
      relations: { user: true },
    });
    if (!session?.user?.active) return null;
    return toAuthenticated(session.user, session);
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
