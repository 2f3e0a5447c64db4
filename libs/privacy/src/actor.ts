import type { AuditActor } from '@app/audit';

/**
 * Who did something, as stored in privacy records (retention rules and runs, data-subject
 * requests): a role word or an id, never a name or address. "user:<uuid>" for staff through the
 * API, "cli" for the command line, "scheduler" for sweeps.
 */
export type Actor = 'cli' | 'scheduler' | 'system' | `user:${string}` | `contact:${string}`;

export function userActor(userId: string): Actor {
  return `user:${userId}`;
}

/** The same actor as the audit log stores it. */
export function toAuditActor(actor: Actor): AuditActor {
  if (actor.startsWith('user:')) return { type: 'user', id: actor.slice('user:'.length) };
  if (actor.startsWith('contact:')) return { type: 'contact', id: actor.slice('contact:'.length) };
  return { type: actor as 'cli' | 'scheduler' | 'system', id: null };
}
