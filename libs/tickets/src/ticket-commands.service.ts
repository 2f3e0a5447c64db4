import { AuditService, userActor } from '@app/audit';
import { ActorType, GroupEntity, TicketEntity, TicketStatus, UserEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { scopeOf, scopeSql, type StaffActor } from './actor';
import { ticketKeySql } from './ticket-key';
import { recordHistory } from './history';
import { SqlParams } from './sql-params';
import { nextTags, parseTicketChange, type TicketChange } from './ticket-change';
import { TicketError } from './ticket.error';

export interface BulkResult {
  updated: string[];
  /** Ids that do not exist or that the caller may not see (the two are not told apart). */
  notFound: string[];
}

const MAX_BULK = 100;

/**
 * Agent changes to tickets. Each change runs in one transaction with the ticket row locked and
 * writes one history event per changed field, holding only field names, enum values and ids.
 */
@Injectable()
export class TicketCommandsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async update(actor: StaffActor, ticketId: string, input: unknown): Promise<void> {
    const change = parseTicketChange(input);
    await this.dataSource.transaction(async (m) => {
      await this.validateReferences(m, change);
      const ticket = await this.lockVisible(m, actor, ticketId);
      await this.apply(m, actor, ticket, change);
    });
  }

  async bulkUpdate(actor: StaffActor, ticketIds: unknown, input: unknown): Promise<BulkResult> {
    const change = parseTicketChange(input);
    if (!Array.isArray(ticketIds) || ticketIds.length === 0 || ticketIds.length > MAX_BULK) {
      throw new TicketError('invalid_ticket_change', `ticketIds must list 1–${MAX_BULK} ids`);
    }
    const given = [...new Set(ticketIds.map(String))];
    const result: BulkResult = { updated: [], notFound: [] };
    await this.dataSource.transaction(async (m) => {
      await this.validateReferences(m, change);
      // Ids or references, each resolved to its ticket id first; then sorted by id, so concurrent
      // bulk actions lock rows in the same order and cannot deadlock. Results name what was given.
      const resolved = await Promise.all(given.map(async (key) => ({ key, id: await this.resolveId(m, key) })));
      resolved.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? '') || a.key.localeCompare(b.key));
      const done = new Set<string>();
      for (const { key, id } of resolved) {
        const ticket =
          id === null || done.has(id)
            ? null
            : await this.lockVisible(m, actor, id).catch((error: unknown) => {
                if (error instanceof TicketError && error.code === 'ticket_not_found') return null;
                throw error;
              });
        if (!ticket) {
          if (id === null || !done.has(id)) result.notFound.push(key);
          else result.updated.push(key);
          continue;
        }
        done.add(ticket.id);
        await this.apply(m, actor, ticket, change);
        result.updated.push(key);
      }
    });
    return result;
  }

  /**
   * Merges `sourceId` into `targetId`: the source's messages move to the target (one
   * conversation), the source is closed and points at the target (a database trigger files later
   * customer mail for the source under the target), tags are united, history is kept on both.
   */
  async merge(actor: StaffActor, sourceId: string, targetId: unknown): Promise<{ targetId: string }> {
    if (typeof targetId !== 'string' || !targetId) throw new TicketError('invalid_merge', 'targetId is required');
    return this.dataSource.transaction(async (m) => {
      const first = await this.resolveId(m, sourceId);
      const second = await this.resolveId(m, targetId);
      if (first === null || second === null) throw new TicketError('ticket_not_found', 'No such ticket');
      if (first === second) throw new TicketError('invalid_merge', 'A ticket cannot be merged into itself');
      // Lock both in id order so two opposite merges cannot deadlock.
      const [a, b] = [first, second].sort();
      const locked = [await this.lockVisible(m, actor, a), await this.lockVisible(m, actor, b)];
      const source = locked.find((t) => t.id === first) as TicketEntity;
      const target = locked.find((t) => t.id === second) as TicketEntity;
      if (source.mergedIntoId) throw new TicketError('invalid_merge', 'That ticket was already merged');
      if (target.mergedIntoId) throw new TicketError('invalid_merge', 'Cannot merge into a merged ticket');

      await m.query('UPDATE messages SET ticket_id = $1 WHERE ticket_id = $2', [target.id, source.id]);
      const tags = [...new Set([...target.tags, ...source.tags])].sort();
      await m.update(
        TicketEntity,
        { id: target.id },
        {
          tags,
          lastMessageAt: source.lastMessageAt > target.lastMessageAt ? source.lastMessageAt : target.lastMessageAt,
        },
      );
      await m.update(
        TicketEntity,
        { id: source.id },
        { mergedIntoId: target.id, status: TicketStatus.Closed, closedAt: new Date() },
      );
      const base = { actorType: ActorType.User, actorId: actor.id, type: 'merged' };
      await recordHistory(m, { ...base, ticketId: source.id, field: 'merged_into', newValue: target.id });
      await recordHistory(m, {
        ...base,
        ticketId: source.id,
        type: 'field_changed',
        field: 'status',
        oldValue: source.status,
        newValue: TicketStatus.Closed,
      });
      await recordHistory(m, { ...base, ticketId: target.id, field: 'merged_from', newValue: source.id });
      await this.audit.record(
        {
          actor: userActor(actor.id),
          action: 'ticket.merged',
          target: { type: 'ticket', id: source.id },
          changes: { mergedInto: { before: null, after: target.id } },
        },
        m,
      );
      return { targetId: target.id };
    });
  }

  private async apply(m: EntityManager, actor: StaffActor, ticket: TicketEntity, change: TicketChange): Promise<void> {
    const patch: Partial<TicketEntity> = {};
    const events: Array<{ field: string; oldValue: string | null; newValue: string | null }> = [];
    const set = <K extends 'status' | 'priority' | 'assigneeId' | 'groupId'>(
      key: K,
      field: string,
      value: TicketEntity[K] | undefined,
    ) => {
      if (value === undefined || value === ticket[key]) return;
      patch[key] = value;
      events.push({ field, oldValue: ticket[key], newValue: value });
    };
    set('status', 'status', change.status);
    set('priority', 'priority', change.priority);
    set('assigneeId', 'assignee_id', change.assigneeId);
    set('groupId', 'group_id', change.groupId);
    if (change.tags || change.addTags || change.removeTags) {
      const tags = nextTags(ticket.tags, change);
      if (tags.join(',') !== [...ticket.tags].sort().join(',')) {
        patch.tags = tags;
        events.push({ field: 'tags', oldValue: ticket.tags.join(','), newValue: tags.join(',') });
      }
    }
    if (patch.status) {
      if (patch.status === TicketStatus.Solved) patch.solvedAt = new Date();
      else if (ticket.status === TicketStatus.Solved) patch.solvedAt = null;
      if (patch.status === TicketStatus.Closed) patch.closedAt = new Date();
      else if (ticket.status === TicketStatus.Closed) patch.closedAt = null;
    }
    if (events.length === 0) return;
    await m.update(TicketEntity, { id: ticket.id }, patch);
    for (const e of events) {
      await recordHistory(m, {
        ticketId: ticket.id,
        actorType: ActorType.User,
        actorId: actor.id,
        type: 'field_changed',
        ...e,
      });
    }
  }

  private async validateReferences(m: EntityManager, change: TicketChange): Promise<void> {
    if (change.assigneeId) {
      const user = await m.findOne(UserEntity, { where: { id: change.assigneeId, active: true } });
      if (!user) throw new TicketError('invalid_ticket_change', 'assigneeId is not an active user');
    }
    if (change.groupId) {
      if (!(await m.exists(GroupEntity, { where: { id: change.groupId } }))) {
        throw new TicketError('invalid_ticket_change', 'groupId is not a group');
      }
    }
  }

  /**
   * The ticket id for an id or a reference, without checking visibility (the lock does that), so
   * rows can be locked in id order; null when there is no such ticket.
   */
  private async resolveId(m: EntityManager, idOrReference: string): Promise<string | null> {
    const p = new SqlParams();
    let key: string;
    try {
      key = ticketKeySql(idOrReference, (v) => p.add(v));
    } catch {
      return null;
    }
    const rows = await m.query<Array<{ id: string }>>(`SELECT t.id FROM tickets t WHERE ${key}`, p.values);
    return rows[0]?.id ?? null;
  }

  /**
   * Locks the ticket row (by id or reference) if the caller may see it; otherwise "not found"
   * (existence is not revealed).
   */
  private async lockVisible(m: EntityManager, actor: StaffActor, idOrReference: string): Promise<TicketEntity> {
    const p = new SqlParams();
    const rows = await m.query<Array<{ id: string }>>(
      `SELECT t.id FROM tickets t WHERE ${ticketKeySql(idOrReference, (v) => p.add(v))} AND ${scopeSql(scopeOf(actor), (v) => p.add(v))} FOR UPDATE`,
      p.values,
    );
    const ticket = rows[0] ? await m.findOne(TicketEntity, { where: { id: rows[0].id } }) : null;
    if (!ticket) throw new TicketError('ticket_not_found', 'No such ticket');
    return ticket;
  }
}
