import { ActorType, HistoryEventEntity } from '@app/database';
import type { EntityManager } from 'typeorm';

export interface HistoryInput {
  ticketId: string;
  actorType: ActorType;
  actorId: string | null;
  type: string;
  field?: string;
  /** Only non-personal values: enum values and ids. Never names, addresses, subjects or bodies. */
  oldValue?: string | null;
  newValue?: string | null;
}

export async function recordHistory(manager: EntityManager, input: HistoryInput): Promise<void> {
  await manager.insert(HistoryEventEntity, {
    ticketId: input.ticketId,
    actorType: input.actorType,
    actorId: input.actorId,
    type: input.type,
    field: input.field ?? null,
    oldValue: input.oldValue ?? null,
    newValue: input.newValue ?? null,
  });
}

/**
 * Records the SLA's first response: the moment the SMTP server accepted the first agent reply (its
 * 250), called by the send handler in the transaction that marks the message sent. A queued,
 * refused or failed reply never gets here, so it never meets the SLA; a later one leaves the
 * first time as it is.
 */
export async function markFirstResponse(manager: EntityManager, ticketId: string, acceptedAt: Date): Promise<void> {
  await manager.query('UPDATE tickets SET first_response_at = $2 WHERE id = $1 AND first_response_at IS NULL', [
    ticketId,
    acceptedAt,
  ]);
}
