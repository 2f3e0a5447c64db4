import { MailboxEntity, UserEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Names the inbox needs for pickers and labels: staff, groups, mailboxes, tags in use. */
@Injectable()
export class DirectoryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async users(): Promise<Array<{ id: string; name: string; role: string }>> {
    const rows = await this.dataSource
      .getRepository(UserEntity)
      .find({ where: { active: true }, order: { name: 'ASC' } });
    return rows.map((u) => ({ id: u.id, name: u.name, role: u.role }));
  }

  /** Every group, and whether the given member of staff belongs to it (agents create tickets only in theirs). */
  async groups(userId: string): Promise<Array<{ id: string; name: string; member: boolean }>> {
    const rows = await this.dataSource.query<Array<{ id: string; name: string; member: boolean }>>(
      `SELECT g.id, g.name, EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.user_id = $1) AS member
         FROM groups g ORDER BY g.name`,
      [userId],
    );
    return rows.map((g) => ({ id: g.id, name: g.name, member: g.member }));
  }

  async mailboxes(): Promise<Array<{ id: string; name: string }>> {
    const rows = await this.dataSource.getRepository(MailboxEntity).find({ order: { name: 'ASC' } });
    return rows.map((m) => ({ id: m.id, name: m.name }));
  }

  /** Tags on open tickets, most used first (a full scan of a million rows would be too slow). */
  async tags(): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ tag: string }>>(
      `SELECT tag FROM (SELECT unnest(tags) AS tag FROM tickets WHERE status IN ('new','open','pending') AND tags <> '{}' LIMIT 50000) x
       GROUP BY tag ORDER BY count(*) DESC, tag LIMIT 200`,
    );
    return rows.map((r) => r.tag);
  }
}
