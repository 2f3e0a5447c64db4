import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The only code allowed to remove or change audit rows: the retention sweep. It opens its own
 * transaction with `intake.audit_retention = 'on'`, which the append-only trigger checks; the
 * setting ends with the transaction (SET LOCAL), so nothing else ever runs with it.
 */
@Injectable()
export class AuditRetention {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Ids of entries older than `before`. */
  async dueForDeletion(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id::text AS id FROM audit_log WHERE created_at < $1 ORDER BY id LIMIT $2`,
      [before, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Ids of entries with a full IP recorded before `before` (and not before `notBefore`, being deleted anyway). */
  async dueForIpTruncation(before: Date, notBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `SELECT id::text AS id FROM audit_log
        WHERE ip IS NOT NULL AND ip_truncated = false AND created_at < $1 AND created_at >= $2
        ORDER BY id LIMIT $3`,
      [before, notBefore, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Deletes these entries; returns how many were deleted. */
  async delete(ids: string[]): Promise<number> {
    return this.sweep(async (m) => {
      const [, count] = await m.query<[unknown, number]>(`DELETE FROM audit_log WHERE id = ANY($1::bigint[])`, [ids]);
      return count;
    });
  }

  /** Replaces each entry's IP by `truncate(ip)`; returns how many changed. */
  async truncateIps(ids: string[], truncate: (ip: string | null) => string | null): Promise<number> {
    return this.sweep(async (m) => {
      const rows = await m.query<Array<{ id: string; ip: string | null }>>(
        `SELECT id::text AS id, ip FROM audit_log WHERE id = ANY($1::bigint[]) AND ip_truncated = false FOR UPDATE`,
        [ids],
      );
      if (rows.length === 0) return 0;
      await m.query(
        `UPDATE audit_log a SET ip = v.ip, ip_truncated = true
           FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS ip) v WHERE a.id = v.id`,
        [rows.map((r) => r.id), rows.map((r) => truncate(r.ip))],
      );
      return rows.length;
    });
  }

  private async sweep(work: (m: EntityManager) => Promise<number>): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL intake.audit_retention = 'on'`);
      return work(m);
    });
  }
}
