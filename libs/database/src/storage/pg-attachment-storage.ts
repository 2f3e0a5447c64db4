import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AttachmentContentEntity } from '../entities';
import { AttachmentStorage } from './attachment-storage';

/** Attachment bytes in PostgreSQL (`bytea`): one backup, one transaction, no extra service. */
@Injectable()
export class PgAttachmentStorage extends AttachmentStorage {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async put(manager: EntityManager, key: string, data: Buffer): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(AttachmentContentEntity)
      .values({ key, data })
      .orIgnore()
      .execute();
  }

  async get(key: string): Promise<Buffer | null> {
    const row = await this.dataSource.getRepository(AttachmentContentEntity).findOne({ where: { key } });
    return row?.data ?? null;
  }

  async delete(manager: EntityManager, key: string): Promise<void> {
    await manager.delete(AttachmentContentEntity, { key });
  }
}
