import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AttachmentContentEntity } from '../entities';
import { AttachmentStorage } from './attachment-storage';

/** Attachments larger than this are written in slices of this size (putInSlices says why). */
const WRITE_SLICE_BYTES = 8 * 1024 * 1024;

/** Bytes per read of an attachment (as base64, a third more on the wire). */
const READ_SLICE_BYTES = 3 * 1024 * 1024;

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
   * Decoded by PostgreSQL from the staging row, so the bytes never pass through the worker. The
   * caller checked the text is strict base64 (whitespace aside: `decode` skips it); `escape` keeps
   * ASCII as it is and makes text of it whatever the database's encoding.
   */
  async putFromStagedBase64(
    manager: EntityManager,
    key: string,
    source: { inboundMessageId: string; start: number; end: number },
  ): Promise<{ size: number; sha256: string }> {
    const rows: Array<{ size: number; sha256: string }> = await manager.query(
      `INSERT INTO attachment_contents (key, data)
         SELECT $1, decode(encode(substring(raw FROM $3::int4 FOR $4::int4), 'escape'), 'base64')
           FROM inbound_messages WHERE id = $2 AND raw IS NOT NULL
       RETURNING octet_length(data) AS size, encode(sha256(data), 'hex') AS sha256`,
      [key, source.inboundMessageId, source.start + 1, source.end - source.start],
    );
    const row = rows[0];
    // The raw bytes are dropped only in the transaction that commits the message, which is this one.
    if (!row) throw new Error('staged attachment: the staging row has no raw bytes');
    return { size: Number(row.size), sha256: row.sha256 };
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

  /**
   * Read in slices of READ_SLICE_BYTES as base64 text into one buffer of the attachment's size: as a
   * whole bytea in the default hex format, 25 MB arrived as a 64 MB receive buffer, a 50 MB string
   * and then the bytes. (Not PostgreSQL's binary format: node-postgres decodes it as UTF-8 text.)
   */
  async get(key: string): Promise<Buffer | null> {
    const slice = async (from: number): Promise<{ size: number; base64: string } | undefined> => {
      const rows: Array<{ size: number; base64: string }> = await this.dataSource.query(
        `SELECT octet_length(data) AS size, encode(substring(data FROM $2::int4 FOR $3::int4), 'base64') AS base64
           FROM attachment_contents WHERE key = $1`,
        [key, from + 1, READ_SLICE_BYTES],
      );
      return rows[0];
    };
    const first = await slice(0);
    if (!first) return null;
    const data = Buffer.allocUnsafe(first.size);
    let at = data.write(first.base64, 0, 'base64');
    while (at < first.size) {
      const next = await slice(at);
      if (!next || next.size !== first.size || next.base64.length === 0) return null; // deleted meanwhile
      at += data.write(next.base64, at, 'base64');
    }
    return data;
  }

  async delete(manager: EntityManager, key: string): Promise<void> {
    await manager.delete(AttachmentContentEntity, { key });
  }
}
