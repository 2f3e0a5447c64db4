import { AuditService } from '@app/audit';
import { isUuid } from '@app/common';
import { AppConfig } from '@app/config';
import { MailboxEntity, RetentionPolicyEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource } from 'typeorm';
import { toAuditActor, type Actor } from '../actor';
import { PrivacyError } from '../privacy.error';
import { DATA_CLASSES, DataClass, isDataClass, type ClassRule, type RetentionAction } from './retention-classes';

export interface EffectiveRule extends ClassRule {
  source: 'default' | 'global' | 'mailbox';
}

/** The policy in force: one rule per class, plus per-mailbox overrides of mailbox classes. */
export interface EffectivePolicy {
  global: Record<DataClass, EffectiveRule>;
  mailboxes: Record<string, Partial<Record<DataClass, EffectiveRule>>>;
}

export interface SetRuleCommand {
  dataClass: string;
  days: number;
  action?: string;
  mailboxId?: string | null;
  actor: Actor;
}

/** Reads and changes retention rules; validation lives here, not in controllers or commands. */
@Injectable()
export class RetentionPolicyService {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /**
   * Built-in defaults, where two come from the environment so that retention and the queue /
   * IMAP settings agree: failed jobs (QUEUE_FAILED_RETENTION_DAYS, also BullMQ's removeOnFail age)
   * and quarantined mail (QUARANTINE_RETENTION_DAYS, also the IMAP quarantine expiry).
   */
  defaults(): Record<DataClass, ClassRule> {
    const out = {} as Record<DataClass, ClassRule>;
    for (const dataClass of Object.values(DataClass)) out[dataClass] = { ...DATA_CLASSES[dataClass].defaults };
    const values = this.config.values as { QUEUE_FAILED_RETENTION_DAYS?: number; QUARANTINE_RETENTION_DAYS?: number };
    if (values.QUEUE_FAILED_RETENTION_DAYS) out[DataClass.FailedJobs].days = values.QUEUE_FAILED_RETENTION_DAYS;
    if (values.QUARANTINE_RETENTION_DAYS) out[DataClass.QuarantinedInbound].days = values.QUARANTINE_RETENTION_DAYS;
    return out;
  }

  async effective(): Promise<EffectivePolicy> {
    const rows = await this.dataSource.getRepository(RetentionPolicyEntity).find({ order: { dataClass: 'ASC' } });
    const global = {} as Record<DataClass, EffectiveRule>;
    const defaults = this.defaults();
    for (const dataClass of Object.values(DataClass)) global[dataClass] = { ...defaults[dataClass], source: 'default' };
    const mailboxes: EffectivePolicy['mailboxes'] = {};
    for (const row of rows) {
      if (!isDataClass(row.dataClass)) continue;
      const rule: EffectiveRule = { days: row.days, action: row.action as RetentionAction, source: 'global' };
      if (row.mailboxId === null) global[row.dataClass] = rule;
      else (mailboxes[row.mailboxId] ??= {})[row.dataClass] = { ...rule, source: 'mailbox' };
    }
    return { global, mailboxes };
  }

  async set(command: SetRuleCommand): Promise<EffectiveRule> {
    const { dataClass, days } = command;
    if (!isDataClass(dataClass)) {
      throw new PrivacyError('invalid_policy', `Unknown data class; use one of ${Object.values(DataClass).join(', ')}`);
    }
    const spec = DATA_CLASSES[dataClass];
    if (!Number.isInteger(days) || days < 1 || days > 36500) {
      throw new PrivacyError('invalid_policy', 'days must be a whole number from 1 to 36500', { days: 'invalid' });
    }
    const action = (command.action ?? spec.defaults.action) as RetentionAction;
    if (!spec.actions.includes(action)) {
      throw new PrivacyError('invalid_policy', `${dataClass} allows the actions ${spec.actions.join(', ')}`, {
        action: 'invalid',
      });
    }
    const mailboxId = command.mailboxId ?? null;
    if (mailboxId !== null && !isUuid(mailboxId)) throw new PrivacyError('invalid_id', 'mailboxId must be a UUID');
    if (mailboxId !== null) {
      if (!spec.perMailbox) {
        throw new PrivacyError('invalid_policy', `${dataClass} is global and cannot be set per mailbox`);
      }
      const exists = await this.dataSource.getRepository(MailboxEntity).exists({ where: { id: mailboxId } });
      if (!exists) throw new PrivacyError('mailbox_not_found', 'No such mailbox');
    }
    await this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(RetentionPolicyEntity);
      const existing = await repo.findOne({
        where: { dataClass, mailboxId: mailboxId === null ? IsNull() : mailboxId },
      });
      if (existing) await repo.update({ id: existing.id }, { days, action, updatedBy: command.actor });
      else await repo.insert({ dataClass, mailboxId, days, action, updatedBy: command.actor });
      // "before" is the rule this row replaces; null where only the default applied.
      const changes: Record<string, { before: unknown; after: unknown }> = {};
      if (existing?.days !== days) changes.days = { before: existing?.days ?? null, after: days };
      if (existing?.action !== action) changes.action = { before: existing?.action ?? null, after: action };
      await this.audit.record(
        {
          actor: toAuditActor(command.actor),
          action: 'retention_policy.set',
          target: { type: 'retention_policy', id: dataClass },
          changes,
          details: { scope: mailboxId ? 'mailbox' : 'global', mailboxId },
        },
        m,
      );
    });
    return { days, action, source: mailboxId ? 'mailbox' : 'global' };
  }

  /** Removes a mailbox override or a global rule (the default applies again). */
  async reset(dataClass: string, mailboxId: string | null, actor: Actor): Promise<void> {
    if (!isDataClass(dataClass)) throw new PrivacyError('invalid_policy', 'Unknown data class');
    if (mailboxId !== null && !isUuid(mailboxId)) throw new PrivacyError('invalid_id', 'mailboxId must be a UUID');
    await this.dataSource.transaction(async (m) => {
      const repo = m.getRepository(RetentionPolicyEntity);
      const where = { dataClass, mailboxId: mailboxId === null ? IsNull() : mailboxId };
      const existing = await repo.findOne({ where });
      if (!existing) return;
      await repo.delete(where);
      await this.audit.record(
        {
          actor: toAuditActor(actor),
          action: 'retention_policy.reset',
          target: { type: 'retention_policy', id: dataClass },
          changes: {
            days: { before: existing.days, after: null },
            action: { before: existing.action, after: null },
          },
          details: { scope: mailboxId ? 'mailbox' : 'global', mailboxId },
        },
        m,
      );
    });
  }
}
