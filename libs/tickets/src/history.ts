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
