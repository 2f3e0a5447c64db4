import { AuditRetention } from '@app/audit';
import { QueueName, QueueService } from '@app/queue';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DataClass, type RetentionAction } from './retention-classes';
import type { PlanEntry, RetentionPlan } from './retention-plan';
import { RetentionPolicyService, type EffectivePolicy } from './retention-policy.service';

const DAY_MS = 24 * 3600_000;

/** Open means someone may still write: such a contact is never "inactive". */
export const OPEN_STATUSES = ['new', 'open', 'pending'];

/** Portal account `a` none of whose addresses was ever verified (it sees no ticket; holds only what was typed). */
export const NEVER_VERIFIED = `NOT EXISTS (
  SELECT 1 FROM customer_account_emails e WHERE e.account_id = a.id AND e.verified_at IS NOT NULL)`;

export interface PlanOptions {
  now?: Date;
  /** At most this many ids per entry; a later run takes the rest. */
  limit?: number;
}

/**
 * Computes the retention plan: for each data class, the ids a run would remove or anonymise now.
 * The predicates here are the single definition of "due"; the executor re-checks only that an
 * item still qualifies (not reopened, not already done) before acting on it.
 */
@Injectable()
export class RetentionPlanner {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly policies: RetentionPolicyService,
    private readonly queues: QueueService,
    private readonly audit: AuditRetention,
  ) {}

  async plan(options: PlanOptions = {}): Promise<RetentionPlan> {
    const now = options.now ?? new Date();
    const limit = options.limit ?? 50_000;
    const policy = await this.policies.effective();
    const entries: PlanEntry[] = [];
    const add = (entry: Omit<PlanEntry, 'count'>) => {
      if (entry.ids.length > 0) entries.push({ ...entry, count: entry.ids.length });
    };

    add({
      dataClass: DataClass.QuarantinedInbound,
      action: 'delete',
      target: 'inbound_message',
      ids: await this.quarantined(policy, now, limit),
    });
    add({
      dataClass: DataClass.FailedJobs,
      action: 'delete',
      target: 'queue_job',
      ids: await this.failedJobs(policy, now, limit),
    });
    add({
      dataClass: DataClass.UnverifiedPortalAccounts,
      action: 'delete',
      target: 'portal_account',
      ids: await this.ids(
        `SELECT a.id::text AS id FROM customer_accounts a
          WHERE ${NEVER_VERIFIED} AND a.created_at < $1 ORDER BY a.id LIMIT $2`,
        [cutoff(now, policy.global[DataClass.UnverifiedPortalAccounts].days), limit],
      ),
    });
    const loginDeleteCutoff = cutoff(now, policy.global[DataClass.LoginEvents].days);
    add({
      dataClass: DataClass.LoginEvents,
      action: 'delete',
      target: 'login_event',
      ids: await this.ids(`SELECT id::text AS id FROM login_events WHERE created_at < $1 ORDER BY id LIMIT $2`, [
        loginDeleteCutoff,
        limit,
      ]),
    });
    add({
      dataClass: DataClass.LoginIp,
      action: 'truncate',
      target: 'login_event',
      // Rows about to be deleted are not truncated first: each row is in one entry only.
      ids: await this.ids(
        `SELECT id::text AS id FROM login_events
          WHERE ip IS NOT NULL AND ip_truncated = false AND created_at < $1 AND created_at >= $2
          ORDER BY id LIMIT $3`,
        [cutoff(now, policy.global[DataClass.LoginIp].days), loginDeleteCutoff, limit],
      ),
    });
    // The audit log has its own lifetime; its IPs are minimised under the same rule as login IPs.
    const auditDeleteCutoff = cutoff(now, policy.global[DataClass.AuditLog].days);
    add({
      dataClass: DataClass.AuditLog,
      action: 'delete',
      target: 'audit_entry',
      ids: await this.audit.dueForDeletion(auditDeleteCutoff, limit),
    });
    add({
      dataClass: DataClass.LoginIp,
      action: 'truncate',
      target: 'audit_entry',
      ids: await this.audit.dueForIpTruncation(
        cutoff(now, policy.global[DataClass.LoginIp].days),
        auditDeleteCutoff,
        limit,
      ),
    });

    const contactRule = policy.global[DataClass.InactiveContacts];
    const contacts = await this.inactiveContacts(cutoff(now, contactRule.days), limit);
    const deletingContacts = contactRule.action === 'delete';
    for (const action of ['redact', 'delete'] as RetentionAction[]) {
      add({
        dataClass: DataClass.ClosedTicketContent,
        action,
        target: 'ticket',
        ids: await this.closedTickets(policy, now, action, deletingContacts ? contacts : [], limit),
      });
    }
    if (!deletingContacts && contacts.length > 0) {
      // Anonymising a contact also redacts what their tickets still hold (names are quoted in bodies).
      const taken = new Set(entries.filter((e) => e.target === 'ticket').flatMap((e) => e.ids));
      const tickets = await this.ids(
        `SELECT t.id::text AS id FROM tickets t
          WHERE t.contact_id = ANY($1::uuid[])
            AND NOT EXISTS (SELECT 1 FROM ticket_redactions r WHERE r.ticket_id = t.id)
          ORDER BY t.id`,
        [contacts],
      );
      add({
        dataClass: DataClass.InactiveContacts,
        action: 'redact',
        target: 'ticket',
        ids: tickets.filter((id) => !taken.has(id)),
      });
    }
    add({ dataClass: DataClass.InactiveContacts, action: contactRule.action, target: 'contact', ids: contacts });
    return { asOf: now.toISOString(), policy, entries };
  }

  private async quarantined(policy: EffectivePolicy, now: Date, limit: number): Promise<string[]> {
    const overrides = mailboxOverrides(policy, DataClass.QuarantinedInbound);
    return this.ids(
      `SELECT i.id::text AS id FROM inbound_messages i
         LEFT JOIN (SELECT unnest($2::uuid[]) AS mailbox_id, unnest($3::int[]) AS days) o ON o.mailbox_id = i.mailbox_id
        WHERE i.status = 'quarantined' AND i.raw IS NOT NULL
          AND COALESCE(i.quarantined_at, i.created_at) < $1::timestamptz - make_interval(days => COALESCE(o.days, $4))
        ORDER BY i.id LIMIT $5`,
      [
        now,
        overrides.map((o) => o.mailboxId),
        overrides.map((o) => o.days),
        policy.global[DataClass.QuarantinedInbound].days,
        limit,
      ],
    );
  }

  private async failedJobs(policy: EffectivePolicy, now: Date, limit: number): Promise<string[]> {
    const before = cutoff(now, policy.global[DataClass.FailedJobs].days).getTime();
    const ids: string[] = [];
    for (const name of Object.values(QueueName)) {
      const failed = await this.queues.queue(name).getFailed(0, limit - 1);
      for (const job of failed) {
        if (job?.id && (job.finishedOn ?? job.timestamp) < before && ids.length < limit) ids.push(`${name}:${job.id}`);
      }
    }
    return ids.sort();
  }

  private async closedTickets(
    policy: EffectivePolicy,
    now: Date,
    action: RetentionAction,
    excludeContacts: string[],
    limit: number,
  ): Promise<string[]> {
    const overrides = mailboxOverrides(policy, DataClass.ClosedTicketContent);
    const global = policy.global[DataClass.ClosedTicketContent];
    return this.ids(
      `SELECT t.id::text AS id FROM tickets t
         LEFT JOIN (SELECT unnest($2::uuid[]) AS mailbox_id, unnest($3::int[]) AS days, unnest($4::text[]) AS action) o
           ON o.mailbox_id = t.mailbox_id
        WHERE t.status = 'closed' AND t.closed_at IS NOT NULL
          AND t.closed_at < $1::timestamptz - make_interval(days => COALESCE(o.days, $5))
          AND COALESCE(o.action, $6) = $7
          AND NOT (t.contact_id = ANY($8::uuid[]))
          AND ($7 = 'delete' OR NOT EXISTS (SELECT 1 FROM ticket_redactions r WHERE r.ticket_id = t.id))
        ORDER BY t.id LIMIT $9`,
      [
        now,
        overrides.map((o) => o.mailboxId),
        overrides.map((o) => o.days),
        overrides.map((o) => o.action),
        global.days,
        global.action,
        action,
        excludeContacts,
        limit,
      ],
    );
  }

  private async inactiveContacts(before: Date, limit: number): Promise<string[]> {
    return this.ids(
      `SELECT c.id::text AS id FROM contacts c
        WHERE c.anonymized_at IS NULL AND c.updated_at < $1
          AND NOT EXISTS (
            SELECT 1 FROM tickets t WHERE t.contact_id = c.id
               AND (t.status = ANY($2::ticket_status[]) OR t.last_message_at >= $1 OR t.updated_at >= $1))
          AND NOT EXISTS (SELECT 1 FROM consents k WHERE k.contact_id = c.id AND k.created_at >= $1)
          AND NOT EXISTS (
            SELECT 1 FROM data_subject_requests d WHERE d.contact_id = c.id AND d.status IN ('received', 'verified'))
        ORDER BY c.id LIMIT $3`,
      [before, OPEN_STATUSES, limit],
    );
  }

  private async ids(sql: string, params: unknown[]): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(sql, params);
    return rows.map((r) => r.id);
  }
}

export function cutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

function mailboxOverrides(policy: EffectivePolicy, dataClass: DataClass) {
  return Object.entries(policy.mailboxes).flatMap(([mailboxId, rules]) => {
    const rule = rules[dataClass];
    return rule ? [{ mailboxId, days: rule.days, action: rule.action }] : [];
  });
}
