import { AuditService } from '@app/audit';
import { randomToken, safeEqual, sha256Hex } from '@app/common';
import { UserEntity, UserRole } from '@app/database';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { AuthError } from './auth.error';
import { passwordSchema } from './password-rules';

const SETUP_KEY = 'setup_token_hash';

const firstAdminSchema = z
  .object({
    setupToken: z.string().min(1, 'is required').max(200),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ error: 'must be an email address' })),
    name: z.string().trim().min(1, 'is required').max(200),
    password: passwordSchema,
  })
  .strict();

/**
 * First run without a terminal: while the desk has no staff account, the api prints a one-time
 * set-up token in its log at start-up, and whoever can read that log creates the first admin in
 * the browser. The token is stored only as a hash and is gone once an account exists, so nobody
 * else on the network can claim a fresh desk.
 */
@Injectable()
export class SetupService {
  private readonly logger = new Logger('Setup');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async needed(): Promise<boolean> {
    return !(await this.dataSource.getRepository(UserEntity).exists());
  }

  /**
   * Called by the api at start-up: on a desk without staff, a fresh token replaces any earlier
   * one and is logged. Returns the token (for tests), or null when set-up is done.
   */
  async announce(): Promise<string | null> {
    if (!(await this.needed())) {
      await this.dataSource.query(`DELETE FROM desk_settings WHERE key = $1`, [SETUP_KEY]);
      return null;
    }
    const token = randomToken(18);
    await this.dataSource.query(
      `INSERT INTO desk_settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [SETUP_KEY, JSON.stringify(sha256Hex(token))],
    );
    this.logger.warn(`No staff account yet. Open the desk in a browser and use this set-up token: ${token}`);
    return token;
  }

  /** Creates the first admin; refused once any account exists or with a wrong token. */
  async createFirstAdmin(input: unknown): Promise<UserEntity> {
    const parsed = firstAdminSchema.safeParse(input ?? {});
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const i of parsed.error.issues) fields[i.path.join('.') || 'setup'] ??= i.message;
      throw new AuthError('invalid_user', 'Some fields are invalid', fields);
    }
    const passwordHash = await argon2.hash(parsed.data.password, { type: argon2.argon2id });
    return this.dataSource.transaction(async (m) => {
      // One set-up at a time: the advisory lock serialises two browsers racing for a fresh desk.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('intake-first-run-setup'))`);
      if (await m.getRepository(UserEntity).exists()) throw new AuthError('setup_done', 'This desk is already set up');
      const [row] = await m.query<Array<{ value: string }>>(`SELECT value FROM desk_settings WHERE key = $1`, [
        SETUP_KEY,
      ]);
      if (!row || !safeEqual(row.value, sha256Hex(parsed.data.setupToken.trim()))) {
        throw new AuthError('setup_token_invalid', 'The set-up token is wrong; it is printed in the server log', {
          setupToken: 'is wrong',
        });
      }
      const user = await m.getRepository(UserEntity).save({
        email: parsed.data.email,
        name: parsed.data.name,
        role: UserRole.Admin,
        passwordHash,
      });
      await m.query(`DELETE FROM desk_settings WHERE key = $1`, [SETUP_KEY]);
      await this.audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'setup.first_admin_created',
          target: { type: 'user', id: user.id },
          changes: { email: { before: null, after: user.email }, role: { before: null, after: user.role } },
        },
        m,
      );
      return user;
    });
  }
}
