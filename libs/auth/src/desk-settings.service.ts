import { AuditService, type AuditActor } from '@app/audit';
import { AppConfig } from '@app/config';
import { DeskSettingEntity, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { AuthError } from './auth.error';
import { SessionCache } from './session-cache';

/** Desk settings an admin changes in the browser. Unset values fall back to the configuration. */
export interface DeskSettings {
  deskName: string;
  publicUrl: string;
  senderAddress: string;
  /** Roles whose members must turn on two-factor sign-in before they can work. */
  twoFactorRoles: UserRole[];
}

const settingsSchema = z
  .object({
    deskName: z.string().trim().min(1, 'is required').max(100),
    publicUrl: z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
      .transform((u) => u.replace(/\/+$/, '')),
    senderAddress: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email({ error: 'must be an email address' })),
    twoFactorRoles: z.array(z.enum(UserRole, { error: 'must be agent, supervisor or admin' })).max(3),
  })
  .partial()
  .strict();

export const TWO_FACTOR_ROLES_KEY = 'two_factor_roles';

/**
 * The desk's settings as mail and links use them: what an admin set (set-up screen, Desk & security),
 * else the configuration (MAIL_FROM_NAME, PUBLIC_URL, MAIL_FROM). A function, so senders in other
 * libraries read the same values without importing this module.
 */
export async function readDeskSettings(dataSource: DataSource, config: AppConfig): Promise<DeskSettings> {
  const rows = await dataSource.getRepository(DeskSettingEntity).find();
  return deskSettingsFrom(Object.fromEntries(rows.map((r) => [r.key, r.value])), config);
}

/**
 * The same from the stored rows as a key → value object (e.g. `jsonb_object_agg(key, value)` read in
 * a caller's own query, which saves the send path a round trip per mail).
 */
export function deskSettingsFrom(rows: Record<string, unknown> | null, config: AppConfig): DeskSettings {
  const stored = Object.fromEntries(Object.entries(rows ?? {}).map(([k, v]) => [camel(k), v])) as Partial<DeskSettings>;
  return {
    deskName: stored.deskName ?? config.values.MAIL_FROM_NAME,
    publicUrl: stored.publicUrl ?? config.values.PUBLIC_URL.replace(/\/+$/, ''),
    senderAddress: stored.senderAddress ?? config.values.MAIL_FROM,
    twoFactorRoles: stored.twoFactorRoles ?? [],
  };
}

@Injectable()
export class DeskSettingsService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sessions: SessionCache<unknown>,
  ) {}

  async get(): Promise<DeskSettings> {
    return readDeskSettings(this.dataSource, this.config);
  }

  async update(actor: AuditActor, input: unknown): Promise<DeskSettings> {
    const parsed = settingsSchema.safeParse(input ?? {});
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[issue.path.join('.') || 'settings'] ??= issue.message;
      throw new AuthError('invalid_settings', 'Some settings are invalid', fields);
    }
    const before = await this.get();
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    await this.dataSource.transaction(async (m) => {
      for (const [key, value] of Object.entries(parsed.data)) {
        const old = before[key as keyof DeskSettings];
        const next = Array.isArray(value) ? [...new Set(value)].sort() : value;
        if (JSON.stringify(old) === JSON.stringify(next)) continue;
        changes[key] = { before: old, after: next };
        await m.query(
          `INSERT INTO desk_settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          [snake(key), JSON.stringify(next)],
        );
      }
      if (Object.keys(changes).length > 0) {
        await this.audit.record(
          { actor, action: 'settings.updated', target: { type: 'settings', id: 'desk' }, changes },
          m,
        );
      }
    });
    // Cached sessions carry the two-factor rule; other processes hear the desk_settings trigger.
    this.sessions.clear();
    return this.get();
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
