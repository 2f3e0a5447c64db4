import { AuditService, CLI_ACTOR, type AuditActor } from '@app/audit';
import { randomToken, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { UserEntity, UserRole, UserTokenEntity } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { AuthError } from './auth.error';
import { checkPassword, passwordSchema } from './password-rules';
import { SessionCache } from './session-cache';
import { staffLinkPath, staffLinkToken } from './staff-link';

const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'must be an email address' }));
const role = z.enum(UserRole, { error: 'must be agent, supervisor or admin' });
const name = z.string().trim().min(1, 'is required').max(200);

const createUserSchema = z.object({ email, name: name.optional(), role, password: passwordSchema });
const inviteSchema = z.object({ email, name: name.optional(), role }).strict();
const updateSchema = z.object({ name, role, active: z.boolean() }).partial().strict();

export type CreateUserInput = z.input<typeof createUserSchema>;

/** A member of staff as admins see them (never a hash or a secret). */
export interface UserAdminView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  active: boolean;
  twoFactor: boolean;
  lastSignInAt: string | null;
  activeSessions: number;
  createdAt: string;
}

export interface PasswordLink {
  /** Path of the screen that takes the token; the token sits in the fragment, out of server logs. */
  url: string;
  expiresAt: string;
  /** The link is also on its way to the user by email (the outbound queue sends it). */
  mailQueued: boolean;
}

const LINK_HOURS = { invite: 72, reset: 24 } as const;

interface IssuedLink {
  tokenId: string;
  url: string;
  expiresAt: string;
}
type LinkPurpose = keyof typeof LINK_HOURS;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Staff accounts: create (CLI), invite with a one-time link, role changes, disabling, password
 * reset links, session revocation. Every change is written to the audit log in the same
 * transaction, with the before/after of the fields it changed.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    // This process's cache of signed-in sessions, emptied as soon as a change here commits: the
    // next request sees it. (Other processes empty theirs when PostgreSQL's NOTIFY reaches them,
    // a few milliseconds later — a request here could otherwise beat that notice.)
    private readonly sessions: SessionCache<unknown>,
  ) {}

  async create(input: CreateUserInput, actor: AuditActor = CLI_ACTOR): Promise<UserEntity> {
    const parsed = parseOr(createUserSchema, input, 'invalid_user');
    const passwordHash = await argon2.hash(parsed.password, { type: argon2.argon2id });
    return this.insert(actor, { ...parsed, passwordHash }, 'user.created');
  }

  async list(): Promise<UserAdminView[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        email: string;
        name: string;
        role: UserRole;
        active: boolean;
        totp_enabled: boolean;
        created_at: Date;
        last_sign_in_at: Date | null;
        sessions: string;
      }>
    >(
      `SELECT u.id, u.email, u.name, u.role, u.active, u.totp_enabled, u.created_at,
              (SELECT max(l.created_at) FROM login_events l WHERE l.user_id = u.id AND l.success) AS last_sign_in_at,
              (SELECT count(*) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions
         FROM users u ORDER BY lower(u.name), u.email`,
    );
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      name: r.name,
      role: r.role,
      active: r.active,
      twoFactor: r.totp_enabled,
      lastSignInAt: r.last_sign_in_at?.toISOString() ?? null,
      activeSessions: Number(r.sessions),
      createdAt: r.created_at.toISOString(),
    }));
  }

  async get(ref: string): Promise<UserAdminView> {
    const user = await this.find(ref);
    const found = (await this.list()).find((u) => u.id === user.id);
    if (!found) throw new AuthError('user_not_found', 'No such user');
    return found;
  }

  /**
   * Creates an account without a usable password and a one-time link (72 hours) with which the
   * new member of staff sets their own.
   */
  async invite(actor: AuditActor, input: unknown): Promise<{ user: UserAdminView; link: PasswordLink }> {
    const parsed = parseOr(inviteSchema, input, 'invalid_user');
    // A random password nobody knows: the account cannot be used until the link is.
    const passwordHash = await argon2.hash(randomToken(), { type: argon2.argon2id });
    const user = await this.insert(actor, { ...parsed, passwordHash }, 'user.invited');
    const issued = await this.dataSource.transaction((m) => this.issueLink(m, user.id, 'invite'));
    return { user: await this.get(user.id), link: await this.mailLink(issued) };
  }

  /** Name, role, active. Disabling ends the user's sessions at once; the last admin stays. */
  async update(actor: AuditActor, ref: string, input: unknown): Promise<UserAdminView> {
    const parsed = parseOr(updateSchema, input, 'invalid_user');
    const id = (await this.find(ref)).id;
    await this.dataSource.transaction(async (m) => {
      const user = await m.getRepository(UserEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new AuthError('user_not_found', 'No such user');
      const changes: Record<string, { before: unknown; after: unknown }> = {};
      for (const key of ['name', 'role', 'active'] as const) {
        const next = parsed[key];
        if (next !== undefined && next !== user[key]) changes[key] = { before: user[key], after: next };
      }
      if (Object.keys(changes).length === 0) return;
      const losesAdmin = user.role === UserRole.Admin && user.active && (changes.role || changes.active);
      if (losesAdmin) await this.keepOneAdmin(m, user.id);
      await m.getRepository(UserEntity).update({ id }, { ...parsed });
      let sessionsEnded = 0;
      if (changes.active && parsed.active === false) sessionsEnded = await this.endSessions(m, id);
      const action = changes.active
        ? parsed.active
          ? 'user.enabled'
          : 'user.disabled'
        : changes.role
          ? 'user.role_changed'
          : 'user.updated';
      await this.audit.record(
        {
          actor,
          action,
          target: { type: 'user', id },
          changes,
          details: sessionsEnded > 0 ? { sessionsEnded } : undefined,
        },
        m,
      );
    });
    this.sessions.clear();
    return this.get(id);
  }

  /** A one-time link (24 hours) to set a new password; earlier unused links stop working. */
  async resetPassword(actor: AuditActor, ref: string): Promise<PasswordLink> {
    const user = await this.find(ref);
    const issued = await this.dataSource.transaction(async (m) => {
      const link = await this.issueLink(m, user.id, 'reset');
      await this.audit.record(
        { actor, action: 'user.password_reset_issued', target: { type: 'user', id: user.id } },
        m,
      );
      return link;
    });
    return this.mailLink(issued);
  }

  /** Queues the link's email once its row is committed (the job carries the row id only). */
  private async mailLink(issued: IssuedLink): Promise<PasswordLink> {
    await this.queue.add(
      { name: JobName.SendStaffLink, data: { userTokenId: issued.tokenId } },
      { jobId: `staff-link-${issued.tokenId}` },
    );
    return { url: issued.url, expiresAt: issued.expiresAt, mailQueued: true };
  }

  async revokeSessions(actor: AuditActor, ref: string): Promise<{ sessionsEnded: number }> {
    const user = await this.find(ref);
    const ended = await this.dataSource.transaction(async (m) => {
      const sessionsEnded = await this.endSessions(m, user.id);
      await this.audit.record(
        { actor, action: 'user.sessions_revoked', target: { type: 'user', id: user.id }, details: { sessionsEnded } },
        m,
      );
      return { sessionsEnded };
    });
    this.sessions.clear();
    return ended;
  }

  /** What a password link is for, without using it (the set-password screen greets by name). */
  async inspectLink(token: unknown): Promise<{ purpose: LinkPurpose; email: string; name: string }> {
    const row = await this.validLink(this.dataSource.manager, token);
    const user = await this.dataSource.getRepository(UserEntity).findOneOrFail({ where: { id: row.userId } });
    return { purpose: row.purpose as LinkPurpose, email: user.email, name: user.name };
  }

  /** Uses a link: sets the password, ends the user's sessions, and the link is spent. */
  async completeLink(token: unknown, password: unknown): Promise<{ email: string }> {
    const plain = checkPassword(password);
    const passwordHash = await argon2.hash(plain, { type: argon2.argon2id });
    const done = await this.dataSource.transaction(async (m) => {
      const row = await this.validLink(m, token, true);
      await m.query(`UPDATE user_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [row.userId]);
      await m.getRepository(UserEntity).update({ id: row.userId }, { passwordHash });
      await this.endSessions(m, row.userId);
      await this.audit.record(
        {
          actor: { type: 'user', id: row.userId },
          action: row.purpose === 'invite' ? 'user.invitation_accepted' : 'user.password_reset',
          target: { type: 'user', id: row.userId },
        },
        m,
      );
      const user = await m.getRepository(UserEntity).findOneOrFail({ where: { id: row.userId } });
      return { email: user.email };
    });
    this.sessions.clear();
    return done;
  }

  async find(ref: string): Promise<UserEntity> {
    const repo = this.dataSource.getRepository(UserEntity);
    const user = UUID.test(ref)
      ? await repo.findOne({ where: { id: ref } })
      : await repo.findOne({ where: { email: ref.trim().toLowerCase() } });
    if (!user) throw new AuthError('user_not_found', 'No such user');
    return user;
  }

  private async insert(
    actor: AuditActor,
    input: { email: string; name?: string; role: UserRole; passwordHash: string },
    action: string,
  ): Promise<UserEntity> {
    return this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(UserEntity);
      if (await repo.exists({ where: { email: input.email } })) {
        throw new AuthError('user_exists', 'A user with that email exists');
      }
      const user = await repo.save(
        repo.create({
          email: input.email,
          name: input.name ?? input.email.split('@')[0] ?? input.email,
          role: input.role,
          passwordHash: input.passwordHash,
        }),
      );
      await this.audit.record(
        {
          actor,
          action,
          target: { type: 'user', id: user.id },
          changes: {
            email: { before: null, after: user.email },
            name: { before: null, after: user.name },
            role: { before: null, after: user.role },
          },
        },
        m,
      );
      return user;
    });
  }

  private async issueLink(m: EntityManager, userId: string, purpose: LinkPurpose): Promise<IssuedLink> {
    await m.query(`UPDATE user_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [userId]);
    const tokenId = randomUUID();
    const token = staffLinkToken(this.config.values.APP_SECRET, tokenId);
    const expiresAt = new Date(Date.now() + LINK_HOURS[purpose] * 3600_000);
    await m
      .getRepository(UserTokenEntity)
      .insert({ id: tokenId, userId, purpose, tokenHash: sha256Hex(token), expiresAt });
    return { tokenId, url: staffLinkPath(token), expiresAt: expiresAt.toISOString() };
  }

  private async validLink(m: EntityManager, token: unknown, lock = false): Promise<UserTokenEntity> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 100) {
      throw new AuthError('link_invalid', 'This link is not valid; ask an admin for a new one');
    }
    const row = await m.getRepository(UserTokenEntity).findOne({
      where: { tokenHash: sha256Hex(token) },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now()) {
      throw new AuthError('link_invalid', 'This link has expired or was used; ask an admin for a new one');
    }
    const user = await m.getRepository(UserEntity).findOne({ where: { id: row.userId } });
    if (!user?.active) throw new AuthError('link_invalid', 'This link is not valid; ask an admin for a new one');
    return row;
  }

  private async endSessions(m: EntityManager, userId: string): Promise<number> {
    const result = await m.query<[unknown[], number]>(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
    return result[1];
  }

  /** Refuses to demote or disable the last active admin (nobody could run the desk any more). */
  private async keepOneAdmin(m: EntityManager, userId: string): Promise<void> {
    // Lock every active admin row so two concurrent demotions cannot both pass the check.
    const admins = await m.query<Array<{ id: string }>>(
      `SELECT id FROM users WHERE role = 'admin' AND active FOR UPDATE`,
    );
    if (admins.filter((a) => a.id !== userId).length === 0) {
      throw new AuthError('last_admin', 'This is the last active admin; make someone else admin first');
    }
  }
}

function parseOr<T extends z.ZodType>(schema: T, input: unknown, code: 'invalid_user'): z.output<T> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const fields: Record<string, string> = {};
    for (const i of parsed.error.issues) fields[i.path.join('.') || 'user'] ??= i.message;
    throw new AuthError(code, `${issue?.path.join('.') || 'input'} ${issue?.message ?? 'is invalid'}`, fields);
  }
  return parsed.data;
}
