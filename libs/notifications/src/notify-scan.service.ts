import { AppConfig } from '@app/config';
import { AgentNotificationEntity, AgentPreferencesEntity, MailboxEntity, UserEntity } from '@app/database';
import { normaliseOwnAddress } from '@app/intake';
import { ReplyTokens } from '@app/mail';
import { JobName, QueueService } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { preferenceOf, type NotificationKind } from './notification-kind';

/** The history watermark row (in stats_watermarks, beside the stats rollup's). NEVER RENAME. */
const WATERMARK = 'agent-notifications';
/**
 * History ids are handed out at insert and become visible at commit: an event younger than this may
 * still have a lower id in flight, so the scan waits for it instead of jumping over it.
 */
const SETTLE_MS = 2_000;
const BATCH = 1_000;
/** Notification rows are kept this long (dedupe and the hourly limit need far less), then deleted. */
const KEEP_DAYS = 30;

/** Something that may deserve a mail to one agent. */
interface Trigger {
  kind: NotificationKind;
  userId: string;
  ticketId: string;
  dedupeKey: string;
}

export interface ScanResult {
  queued: number;
  dropped: Record<string, number>;
  skipped: number;
}

/**
 * Finds what agents should hear about and queues one mail per trigger (the `send-notification`
 * job carries the row id only):
 * - `assigned`: an assignment in the ticket history, by someone else, still current;
 * - `customer_replied`: a customer's message (email, form or portal) on a ticket that has an assignee;
 * - `sla_*`: an open target of an assigned ticket due within NOTIFY_SLA_WARNING_MINUTES, once per
 *   due date (a changed due date or a new assignee warns again).
 * Reading the history after a watermark keeps the ticket and intake code free of notification
 * concerns. Each trigger notifies once (unique dedupe key). Switched-off kinds make no row; mail to
 * an address of the desk itself (a mailbox, MAIL_FROM) or to the ticket's customer, and mail past
 * NOTIFY_RATE_LIMIT_PER_HOUR, is recorded `dropped` with a reason and counted in one log line.
 * Concurrent scans serialise on the watermark row.
 */
@Injectable()
export class NotifyScanService {
  private readonly logger = new Logger(NotifyScanService.name);
  private readonly tokens: ReplyTokens;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly queue: QueueService,
  ) {
    this.tokens = new ReplyTokens(config.values.APP_SECRET, config.values.MAIL_FROM);
  }

  async scan(): Promise<ScanResult> {
    const { result, queuedIds } = await this.dataSource.transaction(async (m) => {
      const triggers = [...(await this.fromHistory(m)), ...(await this.fromSla(m))];
      const outcome = await this.record(m, triggers);
      await m.query(`DELETE FROM agent_notifications WHERE created_at < now() - make_interval(days => $1)`, [
        KEEP_DAYS,
      ]);
      return outcome;
    });
    // After the commit only: a job for a rolled-back row would find nothing.
    await this.queue.addBulk(
      queuedIds.map((id) => ({
        name: JobName.SendNotification,
        data: { notificationId: id },
        jobId: `notify-${id}`,
      })),
    );
    const dropped = Object.values(result.dropped).reduce((a, b) => a + b, 0);
    if (dropped > 0) {
      // Counts and reason codes only: no address, name or ticket.
      this.logger.warn({ queued: result.queued, dropped: result.dropped }, 'agent notifications dropped');
    }
    return result;
  }

  /** Assignments and customer messages after the watermark; advances it past what was read. */
  private async fromHistory(m: EntityManager): Promise<Trigger[]> {
    // The migration creates the row at the newest event; should it be missing, start from now too
    // (notifying about the whole past would be a flood).
    await m.query(
      `INSERT INTO stats_watermarks (name, last_history_id)
         SELECT $1, COALESCE(max(id), 0) FROM history_events
       ON CONFLICT (name) DO NOTHING`,
      [WATERMARK],
    );
    const [mark] = await m.query<Array<{ last: string }>>(
      `SELECT last_history_id::text AS last FROM stats_watermarks WHERE name = $1 FOR UPDATE`,
      [WATERMARK],
    );
    let watermark = mark?.last ?? '0';
    const events = await m.query<
      Array<{
        id: string;
        ticket_id: string;
        type: string;
        field: string | null;
        actor_type: string;
        actor_id: string | null;
        new_value: string | null;
        assignee_id: string | null;
        settled: boolean;
      }>
    >(
      `SELECT h.id::text AS id, h.ticket_id, h.type, h.field, h.actor_type::text AS actor_type, h.actor_id,
              h.new_value, t.assignee_id,
              h.created_at < now() - make_interval(secs => $3::double precision / 1000) AS settled
         FROM history_events h LEFT JOIN tickets t ON t.id = h.ticket_id
        WHERE h.id > $1::bigint ORDER BY h.id LIMIT $2`,
      [watermark, BATCH, SETTLE_MS],
    );
    const triggers: Trigger[] = [];
    for (const e of events) {
      if (!e.settled) break;
      watermark = e.id;
      if (!e.assignee_id) continue;
      if (e.type === 'field_changed' && e.field === 'assignee_id' && e.new_value === e.assignee_id) {
        // Taking a ticket yourself needs no mail.
        if (e.actor_type === 'user' && e.actor_id === e.new_value) continue;
        triggers.push({ kind: 'assigned', userId: e.assignee_id, ticketId: e.ticket_id, dedupeKey: `h:${e.id}` });
      } else if (e.type === 'message_received' && e.actor_type === 'contact') {
        triggers.push({
          kind: 'customer_replied',
          userId: e.assignee_id,
          ticketId: e.ticket_id,
          dedupeKey: `h:${e.id}`,
        });
      }
    }
    await m.query(`UPDATE stats_watermarks SET last_history_id = $2::bigint, updated_at = now() WHERE name = $1`, [
      WATERMARK,
      watermark,
    ]);
    return triggers;
  }

  /** Open SLA targets of assigned tickets due within the warning window. */
  private async fromSla(m: EntityManager): Promise<Trigger[]> {
    const rows = await m.query<
      Array<{ id: string; assignee_id: string; target: 'first_response' | 'resolution'; due: string }>
    >(
      `SELECT t.id, t.assignee_id, x.target, extract(epoch FROM x.due)::bigint::text AS due
         FROM tickets t
        CROSS JOIN LATERAL (VALUES
          ('first_response', CASE WHEN t.first_response_at IS NULL THEN t.first_response_due_at END),
          ('resolution', t.resolution_due_at)) AS x(target, due)
        WHERE t.assignee_id IS NOT NULL AND t.merged_into_id IS NULL
          AND t.status IN ('new', 'open', 'pending')
          AND x.due > now() AND x.due <= now() + make_interval(mins => $1)
        ORDER BY x.due LIMIT $2`,
      [this.config.values.NOTIFY_SLA_WARNING_MINUTES, BATCH],
    );
    return rows.map((r) => ({
      kind: r.target === 'first_response' ? 'sla_first_response' : 'sla_resolution',
      userId: r.assignee_id,
      ticketId: r.id,
      dedupeKey: `sla:${r.target}:${r.id}:${r.due}:${r.assignee_id}`,
    }));
  }

  /** Decides each trigger (preferences, own addresses, the customer, the hourly limit) and inserts rows. */
  private async record(m: EntityManager, triggers: Trigger[]): Promise<{ result: ScanResult; queuedIds: string[] }> {
    const result: ScanResult = { queued: 0, dropped: {}, skipped: 0 };
    if (triggers.length === 0) return { result, queuedIds: [] };
    const already = new Set(
      (
        await m.find(AgentNotificationEntity, {
          select: { dedupeKey: true },
          where: { dedupeKey: In(triggers.map((t) => t.dedupeKey)) },
        })
      ).map((r) => r.dedupeKey),
    );
    const fresh = triggers.filter((t) => !already.has(t.dedupeKey));
    if (fresh.length === 0) return { result, queuedIds: [] };
    const userIds = [...new Set(fresh.map((t) => t.userId))];
    const users = new Map(
      (await m.find(UserEntity, { where: { id: In(userIds), active: true } })).map((u) => [u.id, u]),
    );
    const prefs = new Map(
      (await m.find(AgentPreferencesEntity, { where: { userId: In(userIds) } })).map((p) => [p.userId, p]),
    );
    const mailboxes = await m.find(MailboxEntity, { select: { address: true, replyTo: true } });
    const own = new Set(
      mailboxes
        .flatMap((b) => [b.address, b.replyTo ?? ''])
        .filter((a) => a.includes('@'))
        .map(normaliseOwnAddress),
    );
    const customers = new Map(
      (
        await m.query<Array<{ id: string; email: string | null }>>(
          `SELECT t.id, c.email FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE t.id = ANY($1::uuid[])`,
          [[...new Set(fresh.map((t) => t.ticketId))]],
        )
      ).map((r) => [r.id, r.email ? normaliseOwnAddress(r.email) : null]),
    );
    const sentLastHour = new Map(
      (
        await m.query<Array<{ user_id: string; n: string }>>(
          `SELECT user_id, count(*)::text AS n FROM agent_notifications
            WHERE user_id = ANY($1::uuid[]) AND status IN ('queued', 'sending', 'sent')
              AND created_at > now() - interval '1 hour'
            GROUP BY user_id`,
          [userIds],
        )
      ).map((r) => [r.user_id, Number(r.n)]),
    );
    const limit = this.config.values.NOTIFY_RATE_LIMIT_PER_HOUR;
    const rows: Array<Partial<AgentNotificationEntity>> = [];
    for (const t of fresh) {
      const user = users.get(t.userId);
      if (!user) {
        result.skipped += 1;
        continue;
      }
      const pref = prefs.get(t.userId);
      if (pref && !pref[preferenceOf(t.kind)]) {
        result.skipped += 1;
        continue;
      }
      const address = normaliseOwnAddress(user.email);
      let reason: string | null = null;
      if (own.has(address) || this.tokens.isOurAddress(user.email)) reason = 'own_address';
      else if (customers.get(t.ticketId) === address) reason = 'recipient_is_customer';
      else if ((sentLastHour.get(t.userId) ?? 0) >= limit) reason = 'rate_limited';
      if (reason) {
        result.dropped[reason] = (result.dropped[reason] ?? 0) + 1;
      } else {
        sentLastHour.set(t.userId, (sentLastHour.get(t.userId) ?? 0) + 1);
        result.queued += 1;
      }
      rows.push({
        userId: t.userId,
        ticketId: t.ticketId,
        kind: t.kind,
        dedupeKey: t.dedupeKey,
        status: reason ? 'dropped' : 'queued',
        reason,
      });
    }
    if (rows.length === 0) return { result, queuedIds: [] };
    const inserted = await m
      .createQueryBuilder()
      .insert()
      .into(AgentNotificationEntity)
      .values(rows)
      .orIgnore()
      .returning(['id', 'status'])
      .execute();
    const queuedIds = (inserted.raw as Array<{ id: string; status: string }>)
      .filter((r) => r.status === 'queued')
      .map((r) => r.id);
    return { result, queuedIds };
  }
}
