import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AttachmentContentEntity } from '../entities';
import { AttachmentStorage } from './attachment-storage';

/** Attachments larger than this are written in slices of this size (putInSlices says why). */
const WRITE_SLICE_BYTES = 8 * 1024 * 1024;

/** Attachment bytes in PostgreSQL (`bytea`): one backup, one transaction, no extra service. */
@Injectable()
export class PgAttachmentStorage extends AttachmentStorage {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async put(manager: EntityManager, key: string, data: Buffer): Promise<void> {
    if (data.length > WRITE_SLICE_BYTES) return this.putInSlices(manager, key, data);
    await manager
      .createQueryBuilder()
      .insert()
      .into(AttachmentContentEntity)
      .values({ key, data })
      .orIgnore()
      .execute();
  }

  /**
   * A large attachment goes in as a first slice and appends of WRITE_SLICE_BYTES each: the driver
   * builds each statement's whole Bind message in memory (a copy of the parameter), so 25 MB of
   * bytes in one INSERT held 25 MB more until the socket took it. Within the caller's
   * transaction, so a half-written attachment is never visible.
   */
  private async putInSlices(manager: EntityManager, key: string, data: Buffer): Promise<void> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO attachment_contents (key, data) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, data.subarray(0, WRITE_SLICE_BYTES)],
    );
    if (inserted.length === 0) return; // already stored under this key, like orIgnore() above
    for (let at = WRITE_SLICE_BYTES; at < data.length; at += WRITE_SLICE_BYTES) {
      await manager.query(`UPDATE attachment_contents SET data = data || $2 WHERE key = $1`, [
        key,
        data.subarray(at, at + WRITE_SLICE_BYTES),
      ]);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    const row = await this.dataSource.getRepository(AttachmentContentEntity).findOne({ where: { key } });
    return row?.data ?? null;
  }

  async delete(manager: EntityManager, key: string): Promise<void> {
    await manager.delete(AttachmentContentEntity, { key });
  }
}
