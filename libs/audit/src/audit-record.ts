import type { EntityManager } from 'typeorm';

/** Who did something. An id, never a name or address; null for the system, the CLI and the scheduler. */
export interface AuditActor {
  type: 'user' | 'contact' | 'system' | 'cli' | 'scheduler';
  id: string | null;
}

/** One privileged action, as callers hand it to AuditService.record. */
export interface AuditRecord {
  actor: AuditActor;
  /** Dotted, e.g. 'user.role_changed', 'ticket.merged', 'export.customer_requests', 'auth.sign_in_failed'. */
  action: string;
  target: { type: string; id: string | null };
  /**
   * The caller's IP, minimised later under the login-IP retention class. When left out, the IP of
   * the HTTP request being served (AuditContext) is used; pass null to record none.
   */
  ip?: string | null;
  /** Non-secret fields only; secret-named fields are replaced by a marker (see scrubSecrets). */
  changes?: Record<string, { before: unknown; after: unknown }>;
  /** Counts, codes, ids — never secrets or message content. */
  details?: Record<string, unknown>;
}

export interface AuditWriter {
  record(entry: AuditRecord, manager?: EntityManager): Promise<void>;
}

export const SYSTEM_ACTOR: AuditActor = Object.freeze({ type: 'system', id: null });
export const CLI_ACTOR: AuditActor = Object.freeze({ type: 'cli', id: null });
export const SCHEDULER_ACTOR: AuditActor = Object.freeze({ type: 'scheduler', id: null });

export function userActor(id: string): AuditActor {
  return { type: 'user', id };
}
