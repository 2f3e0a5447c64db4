import { AuditService, type AuditActor } from '@app/audit';
import { GroupEntity, UserEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { AuthError } from './auth.error';

export interface GroupView {
  id: string;
  name: string;
  members: Array<{ id: string; name: string }>;
  /** Tickets routed to the group (any status). */
  tickets: number;
  /** Mailboxes whose new tickets land in the group. */
  mailboxes: number;
}

const nameSchema = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(100, 'is too long')
  .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must be one line of text');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Groups (teams tickets are routed to) and their members. Agents see the tickets of their groups,
 * so membership is access: every change is audited. A group in use is deleted only with a group to
 * move its tickets and mailboxes to.
 */
@Injectable()
export class GroupsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<GroupView[]> {
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        name: string;
        members: Array<{ id: string; name: string }>;
        tickets: string;
        mailboxes: string;
      }>
    >(
      `SELECT g.id, g.name,
              COALESCE((SELECT json_agg(json_build_object('id', u.id, 'name', u.name) ORDER BY lower(u.name))
                          FROM group_members gm JOIN users u ON u.id = gm.user_id WHERE gm.group_id = g.id), '[]') AS members,
              (SELECT count(*) FROM tickets t WHERE t.group_id = g.id) AS tickets,
              (SELECT count(*) FROM mailboxes mb WHERE mb.group_id = g.id) AS mailboxes
         FROM groups g ORDER BY lower(g.name)`,
    );
    return rows.map((r) => ({ ...r, tickets: Number(r.tickets), mailboxes: Number(r.mailboxes) }));
  }

  async get(ref: string): Promise<GroupView> {
    const group = await this.find(this.dataSource.manager, ref);
    const view = (await this.list()).find((g) => g.id === group.id);
    if (!view) throw new AuthError('group_not_found', 'No such group');
    return view;
  }

  async create(actor: AuditActor, input: unknown): Promise<GroupView> {
    const name = this.name(input);
    const id = await this.dataSource.transaction(async (m) => {
      await this.unique(m, name);
      const saved = await m.getRepository(GroupEntity).save({ name });
      await this.audit.record(
        {
          actor,
          action: 'group.created',
          target: { type: 'group', id: saved.id },
          changes: { name: { before: null, after: name } },
        },
        m,
      );
      return saved.id;
    });
    return this.get(id);
  }

  async rename(actor: AuditActor, ref: string, input: unknown): Promise<GroupView> {
    const name = this.name(input);
    const id = await this.dataSource.transaction(async (m) => {
      const group = await this.find(m, ref);
      if (group.name === name) return group.id;
      await this.unique(m, name, group.id);
      await m.getRepository(GroupEntity).update({ id: group.id }, { name });
      await this.audit.record(
        {
          actor,
          action: 'group.renamed',
          target: { type: 'group', id: group.id },
          changes: { name: { before: group.name, after: name } },
        },
        m,
      );
      return group.id;
    });
    return this.get(id);
  }

  /**
   * Deletes a group. While tickets or mailboxes use it, `reassignTo` (another group, or null for
   * "no group") must say where they go; without it the delete is refused.
   */
  async remove(actor: AuditActor, ref: string, reassignTo?: string | null): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const group = await this.find(m, ref, true);
      const [usage] = await m.query<Array<{ tickets: string; mailboxes: string }>>(
        `SELECT (SELECT count(*) FROM tickets WHERE group_id = $1) AS tickets,
                (SELECT count(*) FROM mailboxes WHERE group_id = $1) AS mailboxes`,
        [group.id],
      );
      const tickets = Number(usage?.tickets ?? 0);
      const mailboxes = Number(usage?.mailboxes ?? 0);
      let target: string | null = null;
      if (tickets + mailboxes > 0) {
        if (reassignTo === undefined) {
          throw new AuthError(
            'group_in_use',
            `${tickets} tickets and ${mailboxes} mailboxes use this group; choose where they go`,
            { tickets: String(tickets), mailboxes: String(mailboxes) },
          );
        }
        if (reassignTo !== null) {
          target = (await this.find(m, reassignTo)).id;
          if (target === group.id) throw new AuthError('invalid_group', 'Move the tickets to another group');
        }
        await m.query(`UPDATE tickets SET group_id = $2 WHERE group_id = $1`, [group.id, target]);
        await m.query(`UPDATE mailboxes SET group_id = $2 WHERE group_id = $1`, [group.id, target]);
      }
      await m.getRepository(GroupEntity).delete({ id: group.id });
      await this.audit.record(
        {
          actor,
          action: 'group.deleted',
          target: { type: 'group', id: group.id },
          changes: { name: { before: group.name, after: null } },
          details: { ticketsMoved: tickets, mailboxesMoved: mailboxes, reassignedTo: target },
        },
        m,
      );
    });
  }

  /** Replaces the member list; the entry lists who was added and who removed. */
  async setMembers(actor: AuditActor, ref: string, userIds: unknown): Promise<GroupView> {
    if (
      !Array.isArray(userIds) ||
      userIds.some((u) => typeof u !== 'string' || !UUID.test(u)) ||
      userIds.length > 10_000
    ) {
      throw new AuthError('invalid_group', 'userIds must be a list of user ids', {
        userIds: 'must be a list of user ids',
      });
    }
    const wanted = [...new Set(userIds as string[])];
    const id = await this.dataSource.transaction(async (m) => {
      const group = await this.find(m, ref, true);
      const known = await m.getRepository(UserEntity).find({ where: { id: In(wanted) }, select: { id: true } });
      if (known.length !== wanted.length) throw new AuthError('user_not_found', 'One of the users does not exist');
      const current = (
        await m.query<Array<{ user_id: string }>>(`SELECT user_id FROM group_members WHERE group_id = $1`, [group.id])
      ).map((r) => r.user_id);
      const added = wanted.filter((u) => !current.includes(u));
      const removed = current.filter((u) => !wanted.includes(u));
      if (added.length === 0 && removed.length === 0) return group.id;
      if (removed.length > 0) {
        await m.query(`DELETE FROM group_members WHERE group_id = $1 AND user_id = ANY($2::uuid[])`, [
          group.id,
          removed,
        ]);
      }
      if (added.length > 0) {
        await m.query(
          `INSERT INTO group_members (group_id, user_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
          [group.id, added],
        );
      }
      await this.audit.record(
        {
          actor,
          action: 'group.members_changed',
          target: { type: 'group', id: group.id },
          changes: { members: { before: [...current].sort(), after: [...wanted].sort() } },
          details: { added, removed },
        },
        m,
      );
      return group.id;
    });
    return this.get(id);
  }

  async addMember(actor: AuditActor, ref: string, userId: string): Promise<GroupView> {
    const group = await this.get(ref);
    return this.setMembers(actor, group.id, [...group.members.map((u) => u.id), userId]);
  }

  async removeMember(actor: AuditActor, ref: string, userId: string): Promise<GroupView> {
    const group = await this.get(ref);
    return this.setMembers(
      actor,
      group.id,
      group.members.map((u) => u.id).filter((u) => u !== userId),
    );
  }

  private name(input: unknown): string {
    const parsed = nameSchema.safeParse((input as { name?: unknown } | null)?.name);
    if (!parsed.success) {
      const message = parsed.error.issues[0]?.message ?? 'is invalid';
      throw new AuthError('invalid_group', `The name ${message}`, { name: message });
    }
    return parsed.data;
  }

  private async unique(m: EntityManager, name: string, except?: string): Promise<void> {
    const [row] = await m.query<Array<{ id: string }>>(`SELECT id FROM groups WHERE lower(name) = lower($1)`, [name]);
    if (row && row.id !== except)
      throw new AuthError('group_exists', 'A group with this name exists', { name: 'is taken' });
  }

  private async find(m: EntityManager, ref: string, lock = false): Promise<GroupEntity> {
    const repo = m.getRepository(GroupEntity);
    const where = UUID.test(ref) ? { id: ref } : { name: ref };
    const group = await repo.findOne({ where, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!group) throw new AuthError('group_not_found', 'No such group');
    return group;
  }
}
