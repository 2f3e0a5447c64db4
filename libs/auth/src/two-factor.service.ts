import { AuditService, type AuditActor } from '@app/audit';
import { openSecret, sealSecret, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { RecoveryCodeEntity, UserEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { DataSource, EntityManager } from 'typeorm';
import { AuthError } from './auth.error';
import { SessionCache } from './session-cache';
import { totpKey } from './secret-key';

const PERIOD = 30;
const RECOVERY_CODES = 10;

export interface TwoFactorStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
}

/**
 * TOTP second factor (RFC 6238 through the `otpauth` library) with one-time recovery codes.
 * Secrets are encrypted at rest; recovery codes are stored as SHA-256 only and each works once;
 * an accepted TOTP time step cannot be used again (replay of a code seen over a shoulder).
 */
@Injectable()
export class TwoFactorService {
  private readonly key: Buffer;

  constructor(
    config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sessions: SessionCache<unknown>,
  ) {
    this.key = totpKey(config);
  }

  async status(userId: string): Promise<TwoFactorStatus> {
    const user = await this.user(userId);
    const [row] = await this.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return {
      enabled: user.totpEnabled,
      pending: !user.totpEnabled && user.totpSecretEncrypted !== null,
      recoveryCodesLeft: Number(row?.n ?? 0),
    };
  }

  /** Starts enrolment: a new secret, shown once as an otpauth:// URL and in base32. */
  async begin(userId: string): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.user(userId);
    if (user.totpEnabled) throw new AuthError('two_factor_not_pending', 'Two-factor sign-in is already on');
    const secret = new Secret({ size: 20 });
    await this.dataSource
      .getRepository(UserEntity)
      .update({ id: userId }, { totpSecretEncrypted: sealSecret(this.key, secret.base32), totpLastStep: null });
    const totp = this.totp(secret.base32, user.email);
    return { secret: secret.base32, otpauthUrl: totp.toString() };
  }

  /** Confirms enrolment with a first code; returns the recovery codes (shown once). */
  async confirm(userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.user(userId);
    if (user.totpEnabled || !user.totpSecretEncrypted) {
      throw new AuthError('two_factor_not_pending', 'Start the two-factor set-up first');
    }
    const result = await this.dataSource.transaction(async (m) => {
      if (!(await this.checkTotp(user, code, m))) throw new AuthError('invalid_otp', 'That code is not right');
      await m.getRepository(UserEntity).update({ id: userId }, { totpEnabled: true });
      const recoveryCodes = await this.replaceRecoveryCodes(userId, m);
      await this.audit.record(
        {
          actor: { type: 'user', id: userId },
          action: 'user.two_factor_enabled',
          target: { type: 'user', id: userId },
          changes: { twoFactor: { before: false, after: true } },
        },
        m,
      );
      return { recoveryCodes };
    });
    // Cached sessions say "set-up required"; other processes hear the users trigger's NOTIFY, this
    // one must not wait for it.
    this.sessions.clear();
    return result;
  }

  /** New recovery codes replace the old ones (all of them, used or not). */
  async regenerate(userId: string, password: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.user(userId);
    if (!user.totpEnabled) throw new AuthError('two_factor_not_pending', 'Two-factor sign-in is off');
    if (!(await argon2.verify(user.passwordHash, password))) {
      throw new AuthError('invalid_credentials', 'The password is wrong');
    }
    return this.dataSource.transaction(async (m) => {
      const recoveryCodes = await this.replaceRecoveryCodes(userId, m);
      await this.audit.record(
        {
          actor: { type: 'user', id: userId },
          action: 'user.recovery_codes_regenerated',
          target: { type: 'user', id: userId },
        },
        m,
      );
      return { recoveryCodes };
    });
  }

  /** Turns the second factor off: by the user (password needed) or reset by an admin. */
  async disable(actor: AuditActor, userId: string, password?: string): Promise<void> {
    const user = await this.user(userId);
    if (password !== undefined && !(await argon2.verify(user.passwordHash, password))) {
      throw new AuthError('invalid_credentials', 'The password is wrong');
    }
    await this.dataSource.transaction(async (m) => {
      await m
        .getRepository(UserEntity)
        .update({ id: userId }, { totpEnabled: false, totpSecretEncrypted: null, totpLastStep: null });
      await m.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
      await this.audit.record(
        {
          actor,
          action: actor.id === userId ? 'user.two_factor_disabled' : 'user.two_factor_reset',
          target: { type: 'user', id: userId },
          changes: { twoFactor: { before: user.totpEnabled, after: false } },
        },
        m,
      );
    });
    this.sessions.clear();
  }

  /**
   * Checks a sign-in code: a current TOTP code (not used before), or an unused recovery code,
   * which is used up.
   */
  async verify(user: UserEntity, code: string): Promise<'totp' | 'recovery' | null> {
    const trimmed = code.replace(/\s+/g, '');
    if (/^\d{6}$/.test(trimmed)) return (await this.checkTotp(user, trimmed, this.dataSource.manager)) ? 'totp' : null;
    const normalised = trimmed.toLowerCase().replace(/-/g, '');
    if (!/^[a-z0-9]{10}$/.test(normalised)) return null;
    const used = await this.dataSource.query<unknown[][]>(
      `UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [user.id, sha256Hex(normalised)],
    );
    return (used[0]?.length ?? 0) > 0 ? 'recovery' : null;
  }

  private async checkTotp(user: UserEntity, code: string, m: EntityManager): Promise<boolean> {
    if (!user.totpSecretEncrypted || !/^\d{6}$/.test(code)) return false;
    const totp = this.totp(openSecret(this.key, user.totpSecretEncrypted), user.email);
    const delta = totp.validate({ token: code, window: 1 });
    if (delta === null) return false;
    const step = Math.floor(Date.now() / 1000 / PERIOD) + delta;
    // One use per time step: the conditional UPDATE lets exactly one of two racing sign-ins through.
    const updated = await m.query<unknown[][]>(
      `UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id`,
      [user.id, step],
    );
    return (updated[0]?.length ?? 0) > 0;
  }

  private async replaceRecoveryCodes(userId: string, m: EntityManager): Promise<string[]> {
    await m.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
    const codes = Array.from({ length: RECOVERY_CODES }, () => recoveryCode());
    await m
      .getRepository(RecoveryCodeEntity)
      .insert(codes.map((c) => ({ userId, codeHash: sha256Hex(c.replace('-', '')) })));
    return codes;
  }

  private totp(base32: string, email: string): TOTP {
    return new TOTP({
      issuer: 'Intake',
      label: email,
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD,
      secret: Secret.fromBase32(base32),
    });
  }

  private async user(id: string): Promise<UserEntity> {
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id } });
    if (!user) throw new AuthError('user_not_found', 'No such user');
    return user;
  }
}

/** Ten lower-case letters and digits as `xxxxx-xxxxx` (about 51 bits). */
function recoveryCode(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  let out = '';
  while (out.length < 10) out += alphabet[randomInt(alphabet.length)];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}
