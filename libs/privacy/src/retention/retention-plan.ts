import type { DataClass, RetentionAction } from './retention-classes';
import type { EffectivePolicy } from './retention-policy.service';

/** What one plan entry touches; ids are row ids (uuid or bigint) or `queue:jobId` for jobs. */
export type PlanTarget =
  'inbound_message' | 'queue_job' | 'login_event' | 'audit_entry' | 'ticket' | 'contact' | 'portal_account';

export interface PlanEntry {
  dataClass: DataClass;
  action: RetentionAction;
  target: PlanTarget;
  count: number;
  ids: string[];
}

/**
 * Exactly what a run removes or anonymises, computed once. A dry run prints it; a real run
 * executes these ids and no others (skipping any that stopped qualifying in between).
 */
export interface RetentionPlan {
  /** The instant every cut-off was computed from. */
  asOf: string;
  policy: EffectivePolicy;
  entries: PlanEntry[];
}

export function entryKey(entry: Pick<PlanEntry, 'dataClass' | 'action' | 'target'>): string {
  return `${entry.dataClass}.${entry.action}.${entry.target}`;
}

export function planCounts(plan: RetentionPlan): Record<string, number> {
  return Object.fromEntries(plan.entries.map((e) => [entryKey(e), e.count]));
}
