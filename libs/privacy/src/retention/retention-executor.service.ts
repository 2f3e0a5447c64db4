import { AuditRetention } from '@app/audit';
import { QueueName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ContactDataService } from '../content/contact-data.service';
import { affected, TicketContentService } from '../content/ticket-content.service';
import { truncateIp } from './ip-truncate';
import { CLASS_ORDER } from './retention-classes';
import { entryKey, type PlanEntry, type RetentionPlan } from './retention-plan';
import { NEVER_VERIFIED, OPEN_STATUSES } from './retention-planner.service';

export const RETENTION_BATCH = 500;

export interface ExecutionResult {
  done: Record<string, number>;
  skipped: Record<string, number>;
}

export type ProgressListener = (processed: number, total: number) => void;

/**
 * Executes a plan in batches of RETENTION_BATCH ids, one transaction per batch. Every batch is
 * idempotent (it re-checks that each id still qualifies), so a crash mid-run loses nothing and a
 * retry — or the next scheduled run — simply continues.
 */
@Injectable()
export class RetentionExecutor {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queues: QueueService,
    private readonly content: TicketContentService,
    private readonly contacts: ContactDataService,
    private readonly audit: AuditRetention,
  ) {}

  async execute(plan: RetentionPlan, onProgress?: ProgressListener): Promise<ExecutionResult> {
    const total = plan.entries.reduce((n, e) => n + e.count, 0);
    const result: ExecutionResult = { done: {}, skipped: {} };
    let processed = 0;
    onProgress?.(0, total);
    const ordered = [...plan.entries].sort(
      (a, b) => CLASS_ORDER.indexOf(a.dataClass) - CLASS_ORDER.indexOf(b.dataClass) || targetRank(a) - targetRank(b),
    );
    for (const entry of ordered) {
      const key = entryKey(entry);
      result.done[key] = 0;
      result.skipped[key] = 0;
      for (let i = 0; i < entry.ids.length; i += RETENTION_BATCH) {
        const batch = entry.ids.slice(i, i + RETENTION_BATCH);
        const done = await this.batch(entry, batch);
        result.done[key] += done;
        result.skipped[key] += batch.length - done;
        processed += batch.length;
        onProgress?.(processed, total);
      }
    }
    return result;
  }

  /** Returns how many of the ids were acted on; the rest no longer qualified. */
  private async batch(entry: PlanEntry, ids: string[]): Promise<number> {
    const kind = `${entry.target}:${entry.action}`;
    switch (kind) {
      case 'queue_job:delete':
        return this.removeJobs(ids);
      case 'inbound_message:delete':
        return affected(
          await this.dataSource.query(
            `UPDATE inbound_messages SET raw = NULL
              WHERE id = ANY($1::uuid[]) AND status = 'quarantined' AND raw IS NOT NULL`,
            [ids],
          ),
        );
      case 'login_event:delete':
        return affected(await this.dataSource.query(`DELETE FROM login_events WHERE id = ANY($1::bigint[])`, [ids]));
      case 'login_event:truncate':
        return this.truncateLogins(ids);
      case 'portal_account:delete':
        // Still unverified (a link opened since the plan keeps the account); emails, account mails,
        // sessions and sign-in events go with it (ON DELETE CASCADE).
        return affected(
          await this.dataSource.query(
            `DELETE FROM customer_accounts a WHERE a.id = ANY($1::uuid[]) AND ${NEVER_VERIFIED}`,
            [ids],
          ),
        );
      case 'audit_entry:delete':
        return this.audit.delete(ids);
      case 'audit_entry:truncate':
        return this.audit.truncateIps(ids, truncateIp);
      default:
        return this.dataSource.transaction(async (m) => {
          if (entry.target === 'ticket') {
            // Only tickets still solved or closed; a reopened ticket keeps its content.
            const still = await m.query<Array<{ id: string }>>(
              `SELECT id FROM tickets t WHERE id = ANY($1::uuid[]) AND status IN ('solved', 'closed')
                 AND ($2 = 'delete' OR NOT EXISTS (SELECT 1 FROM ticket_redactions r WHERE r.ticket_id = t.id))
               FOR UPDATE`,
              [ids, entry.action],
            );
            const qualifying = still.map((r) => r.id);
            if (entry.action === 'delete') return (await this.content.deleteTickets(m, qualifying)).tickets;
            return (await this.content.redactTickets(m, qualifying, { reason: 'retention', dropHeaders: false }))
              .tickets;
          }
          if (entry.target === 'contact') {
            // A contact who wrote again since the plan has an open ticket now and is skipped.
            const still = await m.query<Array<{ id: string }>>(
              `SELECT id FROM contacts c WHERE id = ANY($1::uuid[]) AND anonymized_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = c.id AND t.status = ANY($2::ticket_status[]))
               FOR UPDATE`,
              [ids, OPEN_STATUSES],
            );
            const qualifying = still.map((r) => r.id);
            if (entry.action === 'delete') return (await this.contacts.delete(m, qualifying)).contacts;
            return (await this.contacts.anonymise(m, qualifying)).contacts;
          }
          throw new Error(`retention: no executor for ${kind}`);
        });
    }
  }

  private async truncateLogins(ids: string[]): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const rows = await m.query<Array<{ id: string; ip: string | null }>>(
        `SELECT id::text AS id, ip FROM login_events WHERE id = ANY($1::bigint[]) AND ip_truncated = false FOR UPDATE`,
        [ids],
      );
      if (rows.length === 0) return 0;
      await m.query(
        `UPDATE login_events l SET ip = v.ip, ip_truncated = true, account_hash = NULL
           FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS ip) v WHERE l.id = v.id`,
        [rows.map((r) => r.id), rows.map((r) => truncateIp(r.ip))],
      );
      return rows.length;
    });
  }

  private async removeJobs(ids: string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const sep = id.indexOf(':');
      const queueName = id.slice(0, sep) as QueueName;
      if (!(Object.values(QueueName) as string[]).includes(queueName)) continue;
      const job = await this.queues.queue(queueName).getJob(id.slice(sep + 1));
      if (!job || !(await job.isFailed())) continue;
      await job.remove();
      removed += 1;
    }
    return removed;
  }
}

function targetRank(entry: PlanEntry): number {
  // Within a class, tickets are redacted before their contact is anonymised.
  return entry.target === 'ticket' ? 0 : 1;
}
