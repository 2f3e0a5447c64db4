import { AuditService, CLI_ACTOR, type AuditActor } from '@app/audit';
import { GroupEntity, InboundStatus, MailboxEntity, MailboxStateEntity, type MailboxAfterAction } from '@app/database';
import { imapErrorDetail, probeMailbox, type ImapSettings, type MailboxProbe } from '@app/mail';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { MailboxError } from './mailbox.error';
import {
  mailboxCreateSchema,
  mailboxFieldErrors,
  mailboxUpdateSchema,
  type MailboxCreateInput,
  type MailboxUpdateInput,
} from './mailbox-input.schema';
import { MailboxOAuthService } from './oauth/mailbox-oauth.service';
import { PasswordCipher } from './password-cipher';

/** A mailbox as shown to admins: everything but the password. */
export interface MailboxView {
  id: string;
  name: string;
  address: string;
  host: string;
  port: number;
  tls: boolean;
  tlsRejectUnauthorized: boolean;
  username: string;
  folder: string;
  afterAction: MailboxAfterAction;
  processedFolder: string;
  quarantineFolder: string;
  enabled: boolean;
  // Answering and OAuth2 (issue 14); never a token or secret.
  /** `login` (IMAP LOGIN with the stored secret) or `oauth2` (XOAUTH2). */
  authMethod: 'login' | 'oauth2';
  oauthProvider: string | null;
  /** `oauth_revoked`: the grant was withdrawn — reconnect the mailbox. */
  oauthError: string | null;
  fromName: string | null;
  replyTo: string | null;
  signature: string | null;
  /** The acknowledgement of new tickets; null = the built-in text. */
  ackTemplate: string | null;
  /** Whether the mailbox sends through an SMTP URL of its own (the URL itself is never shown). */
  smtpConfigured: boolean;
  /** OAuth2 mailboxes: the SMTP server they send through with XOAUTH2 (null: the desk's SMTP_URL). */
  smtpHost: string | null;
  smtpPort: number | null;
  smtpTls: boolean;
  defaultOutbound: boolean;
  groupId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Poller status of one mailbox, as written by the poller process (see mailbox_states). */
export interface MailboxStatusView {
  id: string;
  name: string;
  enabled: boolean;
  connected: boolean;
  lastFetchAt: string | null;
  backlog: number;
  quarantined: number;
  lastError: string | null;
}

export type MailboxTestResult = { ok: true; probe: MailboxProbe } | { ok: false; error: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Mailbox configuration: CRUD, passwords encrypted at rest, and a live connection test. */
@Injectable()
export class MailboxService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: PasswordCipher,
    private readonly oauth: MailboxOAuthService,
    private readonly audit: AuditService,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(MailboxEntity);
  }

  async create(input: MailboxCreateInput, actor: AuditActor = CLI_ACTOR): Promise<MailboxView> {
    const parsed = mailboxCreateSchema.safeParse(input);
    if (!parsed.success) {
      throw new MailboxError('invalid_mailbox', 'The mailbox has invalid fields', mailboxFieldErrors(parsed.error));
    }
    const { password, port, smtpUrl, ...rest } = parsed.data;
    if (await this.repo.existsBy({ name: rest.name })) {
      throw new MailboxError('mailbox_exists', 'A mailbox with this name exists');
    }
    await this.checkGroup(rest.groupId);
    // One default sender at most (a unique index holds it): a new default replaces the old one.
    if (rest.defaultOutbound) await this.repo.update({ defaultOutbound: true }, { defaultOutbound: false });
    const saved = await this.repo.save(
      this.repo.create({
        ...rest,
        port: port ?? (rest.tls ? 993 : 143),
        passwordEncrypted: this.cipher.encrypt(password),
        smtpUrlEncrypted: smtpUrl ? this.cipher.encrypt(smtpUrl) : null,
      }),
    );
    await this.dataSource
      .getRepository(MailboxStateEntity)
      .insert({ mailboxId: saved.id })
      .catch(() => undefined);
    const view = toView(saved);
    await this.audit.record({
      actor,
      action: 'mailbox.created',
      target: { type: 'mailbox', id: saved.id },
      changes: auditedChanges(null, view),
    });
    return view;
  }

  async list(): Promise<MailboxView[]> {
    return (await this.repo.find({ order: { name: 'ASC' } })).map(toView);
  }

  async get(ref: string): Promise<MailboxView> {
    return toView(await this.find(ref));
  }

  async update(ref: string, input: MailboxUpdateInput, actor: AuditActor = CLI_ACTOR): Promise<MailboxView> {
    const mailbox = await this.find(ref);
    const before = toView(mailbox);
    const parsed = mailboxUpdateSchema.safeParse(input);
    if (!parsed.success) {
      throw new MailboxError('invalid_mailbox', 'The mailbox has invalid fields', mailboxFieldErrors(parsed.error));
    }
    const { password, smtpUrl, ...rest } = parsed.data;
    // Only keys that were given: zod's defaults must not reset fields the caller left out.
    const given = Object.fromEntries(
      Object.entries(rest).filter(([k, v]) => v !== undefined && Object.prototype.hasOwnProperty.call(input, k)),
    );
    if ('groupId' in given) await this.checkGroup(given.groupId as string | null);
    this.checkOAuthSmtp(mailbox, input, given);
    const source = sourceOf(mailbox);
    Object.assign(mailbox, given);
    if (password !== undefined) mailbox.passwordEncrypted = this.cipher.encrypt(password);
    // Secrets are audited as "changed", never with their value (the URL carries the SMTP password).
    const secrets = password !== undefined ? ['password'] : [];
    if (smtpUrl !== undefined && Object.prototype.hasOwnProperty.call(input, 'smtpUrl')) {
      mailbox.smtpUrlEncrypted = smtpUrl ? this.cipher.encrypt(smtpUrl) : null;
      secrets.push('smtpUrl');
    }
    const moved = sourceOf(mailbox) !== source;
    return toView(
      await this.dataSource.transaction(async (m) => {
        if (given.defaultOutbound === true)
          await m.getRepository(MailboxEntity).update({ defaultOutbound: true }, { defaultOutbound: false });
        const saved = await m.getRepository(MailboxEntity).save(mailbox);
        if (moved) await detachFromServer(m, mailbox.id);
        const changes = auditedChanges(before, toView(saved));
        if (changes || secrets.length > 0) {
          await this.audit.record(
            {
              actor,
              action: 'mailbox.updated',
              target: { type: 'mailbox', id: mailbox.id },
              changes,
              // Never the password itself: only that it changed.
              details: secrets.length > 0 ? { alsoChanged: secrets } : undefined,
            },
            m,
          );
        }
        return saved;
      }),
    );
  }

  /**
   * smtpHost, smtpPort and smtpTls belong to mailboxes signed in with OAuth2; an empty host (given
   * as such, not left out) goes back to the provider's preset.
   */
  private checkOAuthSmtp(mailbox: MailboxEntity, input: MailboxUpdateInput, given: Record<string, unknown>): void {
    const keys = (['smtpHost', 'smtpPort', 'smtpTls'] as const).filter((k) =>
      Object.prototype.hasOwnProperty.call(input, k),
    );
    if (keys.length === 0) return;
    if (mailbox.authMethod !== 'oauth2') {
      throw new MailboxError('invalid_mailbox', 'The mailbox has invalid fields', {
        [keys[0]]: 'applies to a mailbox signed in with OAuth2; a mailbox with a password sends through smtpUrl',
      });
    }
    if (keys.includes('smtpHost') && given.smtpHost === null) {
      const preset = this.oauth.providers().find((p) => p.name === mailbox.oauthProvider)?.smtp ?? null;
      given.smtpHost = preset?.host ?? null;
      given.smtpPort = preset?.port ?? null;
      given.smtpTls = preset?.tls ?? true;
    }
  }

  async setEnabled(ref: string, enabled: boolean, actor: AuditActor = CLI_ACTOR): Promise<MailboxView> {
    const mailbox = await this.find(ref);
    const before = mailbox.enabled;
    mailbox.enabled = enabled;
    const saved = await this.repo.save(mailbox);
    if (before !== enabled) {
      await this.audit.record({
        actor,
        action: enabled ? 'mailbox.enabled' : 'mailbox.disabled',
        target: { type: 'mailbox', id: mailbox.id },
        changes: { enabled: { before, after: enabled } },
      });
    }
    return toView(saved);
  }

  async remove(ref: string, actor: AuditActor = CLI_ACTOR): Promise<void> {
    const mailbox = await this.find(ref);
    await this.dataSource.transaction(async (m) => {
      await m.getRepository(MailboxEntity).delete({ id: mailbox.id });
      await this.audit.record(
        {
          actor,
          action: 'mailbox.deleted',
          target: { type: 'mailbox', id: mailbox.id },
          changes: auditedChanges(toView(mailbox), null),
        },
        m,
      );
    });
  }

  private async checkGroup(groupId: string | null | undefined): Promise<void> {
    if (!groupId) return;
    if (!(await this.dataSource.getRepository(GroupEntity).existsBy({ id: groupId }))) {
      throw new MailboxError('invalid_mailbox', 'The mailbox has invalid fields', { groupId: 'no such group' });
    }
  }

  /** Connects with the stored settings; reports folders and counts, or the exact error. */
  async test(ref: string): Promise<MailboxTestResult> {
    const mailbox = await this.find(ref);
    try {
      return { ok: true, probe: await probeMailbox(this.settings(mailbox), mailbox.folder) };
    } catch (error) {
      return { ok: false, error: imapErrorDetail(error) };
    }
  }

  async statuses(): Promise<MailboxStatusView[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        name: string;
        enabled: boolean;
        connected: boolean | null;
        last_fetch_at: Date | null;
        backlog: number | null;
        last_error: string | null;
        quarantined: string;
      }>
    >(
      `SELECT m.id, m.name, m.enabled, s.connected, s.last_fetch_at, s.backlog, s.last_error,
              (SELECT count(*) FROM inbound_messages i WHERE i.mailbox_id = m.id AND i.status = 'quarantined') AS quarantined
         FROM mailboxes m LEFT JOIN mailbox_states s ON s.mailbox_id = m.id
        ORDER BY m.name`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      enabled: r.enabled,
      connected: r.connected ?? false,
      lastFetchAt: r.last_fetch_at?.toISOString() ?? null,
      backlog: r.backlog ?? 0,
      quarantined: Number(r.quarantined),
      lastError: r.last_error,
    }));
  }

  async enabledMailboxes(): Promise<MailboxEntity[]> {
    return this.repo.find({ where: { enabled: true }, order: { name: 'ASC' } });
  }

  async entity(id: string): Promise<MailboxEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** Connection settings with the decrypted password; keep in memory only. */
  settings(mailbox: MailboxEntity): ImapSettings {
    return {
      host: mailbox.host,
      port: mailbox.port,
      tls: mailbox.tls,
      tlsRejectUnauthorized: mailbox.tlsRejectUnauthorized,
      username: mailbox.username,
      ...(mailbox.authMethod === 'oauth2'
        ? {
            password: '',
            accessToken: () => this.oauth.accessToken(mailbox.id),
            onAuthFailed: () => this.oauth.invalidateAccessToken(mailbox.id),
          }
        : { password: this.cipher.decrypt(mailbox.passwordEncrypted) }),
    };
  }

  private async find(ref: string): Promise<MailboxEntity> {
    const mailbox = UUID.test(ref)
      ? await this.repo.findOne({ where: { id: ref } })
      : await this.repo.findOne({ where: { name: ref } });
    if (!mailbox) throw new MailboxError('mailbox_not_found', 'No such mailbox');
    return mailbox;
  }
}

export function toView(m: MailboxEntity): MailboxView {
  return {
    id: m.id,
    name: m.name,
    address: m.address,
    host: m.host,
    port: m.port,
    tls: m.tls,
    tlsRejectUnauthorized: m.tlsRejectUnauthorized,
    username: m.username,
    folder: m.folder,
    afterAction: m.afterAction,
    processedFolder: m.processedFolder,
    quarantineFolder: m.quarantineFolder,
    enabled: m.enabled,
    authMethod: m.authMethod === 'oauth2' ? 'oauth2' : 'login',
    oauthProvider: m.oauthProvider,
    oauthError: m.oauthError,
    fromName: m.fromName,
    replyTo: m.replyTo,
    signature: m.signature,
    ackTemplate: m.ackTemplate,
    smtpConfigured: m.smtpUrlEncrypted !== null,
    smtpHost: m.smtpHost,
    smtpPort: m.smtpPort,
    smtpTls: m.smtpTls,
    defaultOutbound: m.defaultOutbound,
    groupId: m.groupId ?? null,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

/** Before/after of the settings that changed (the view holds no password to leak). */
function auditedChanges(
  before: MailboxView | null,
  after: MailboxView | null,
): Record<string, { before: unknown; after: unknown }> | undefined {
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  const keys = Object.keys(after ?? before ?? {}).filter((k) => !['id', 'createdAt', 'updatedAt'].includes(k));
  for (const key of keys as Array<keyof MailboxView>) {
    const b = before ? before[key] : null;
    const a = after ? after[key] : null;
    if (b !== a) changes[key] = { before: b, after: a };
  }
  return Object.keys(changes).length > 0 ? changes : undefined;
}

/** The server folder a mailbox reads: UIDs (and the UID cursor) only mean something within it. */
function sourceOf(m: MailboxEntity): string {
  return JSON.stringify([m.host.toLowerCase(), m.port, m.username, m.folder]);
}

/**
 * Another server, account or folder: the staged rows' UIDs point into the old folder. Left as
 * they were, the settle step would move or delete whatever now has that UID in the new folder if
 * both folders happened to share a UIDVALIDITY, and a new message with an old row's UID would be
 * taken for that row (staging skips a UID it has seen) and never become a ticket. So the rows
 * forget their UIDs (committed ones count as settled; their copies stay where they are, untouched),
 * and the poller's cursor starts over in the new folder.
 */
async function detachFromServer(m: EntityManager, mailboxId: string): Promise<void> {
  await m.query(
    `UPDATE inbound_messages
        SET uid = NULL, uid_validity = NULL,
            settled_at = CASE WHEN status IN ($2, $3) THEN COALESCE(settled_at, now()) ELSE settled_at END
      WHERE mailbox_id = $1 AND uid IS NOT NULL`,
    [mailboxId, InboundStatus.Processed, InboundStatus.Quarantined],
  );
  await m.query(`UPDATE mailbox_states SET last_uid = 0, uid_validity = NULL WHERE mailbox_id = $1`, [mailboxId]);
}
