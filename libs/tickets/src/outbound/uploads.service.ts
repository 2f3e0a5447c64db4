import { isUuid, sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { AttachmentEntity, AttachmentStorage, OutboundUploadEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, LessThan, type DataSource, type EntityManager } from 'typeorm';
import type { StaffActor } from '../actor';
import { TicketError } from '../ticket.error';

/** A file as the api received it, already judged (safe name, type checked against the bytes). */
export interface NewUpload {
  filename: string;
  contentType: string;
  declaredContentType: string | null;
  neverInline: boolean;
  content: Buffer;
}

export interface UploadSummary {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

/** Uploads not sent within this time are removed with their bytes. */
export const UPLOAD_TTL_HOURS = 24;

const INLINE_IMAGE = /^image\/(?:png|jpeg|gif|webp)$/;

/**
 * Files an agent attaches before sending (replies, notes, forwards, new tickets): stored at once
 * in the attachment storage, owned by the uploader, and claimed by the message that sends them.
 * Limits are the web form's (FORM_MAX_ATTACHMENTS per request, FORM_MAX_ATTACHMENT_BYTES each).
 */
@Injectable()
export class UploadsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: AttachmentStorage,
    private readonly config: AppConfig,
  ) {}

  async create(actor: StaffActor, files: NewUpload[]): Promise<UploadSummary[]> {
    const { FORM_MAX_ATTACHMENTS, FORM_MAX_ATTACHMENT_BYTES } = this.config.values;
    if (files.length === 0) throw new TicketError('invalid_upload', 'No file was sent (field "files")');
    if (files.length > FORM_MAX_ATTACHMENTS) {
      throw new TicketError('invalid_upload', `At most ${FORM_MAX_ATTACHMENTS} files at once`);
    }
    if (files.some((f) => f.content.length > FORM_MAX_ATTACHMENT_BYTES || f.content.length === 0)) {
      throw new TicketError('invalid_upload', `Each file must be 1–${FORM_MAX_ATTACHMENT_BYTES} bytes`);
    }
    return this.dataSource.transaction(async (m) => {
      const out: UploadSummary[] = [];
      for (const f of files) {
        const row = {
          id: randomUUID(),
          userId: actor.id,
          filename: f.filename,
          contentType: f.contentType,
          declaredContentType: f.declaredContentType,
          size: f.content.length,
          sha256: sha256Hex(f.content),
          storageKey: randomUUID(),
          neverInline: f.neverInline,
        };
        await this.storage.put(m, row.storageKey, f.content);
        await m.insert(OutboundUploadEntity, row);
        out.push({ id: row.id, filename: row.filename, contentType: row.contentType, size: row.size });
      }
      return out;
    });
  }

  /** The uploader's own file (the composer previews inline images with it). */
  async content(actor: StaffActor, id: string): Promise<{ meta: UploadSummary; data: Buffer; inlineSafe: boolean }> {
    const row = isUuid(id)
      ? await this.dataSource.getRepository(OutboundUploadEntity).findOneBy({ id, userId: actor.id })
      : null;
    const data = row ? await this.storage.get(row.storageKey) : null;
    if (!row || !data) throw new TicketError('upload_not_found', 'No such upload');
    return {
      meta: { id: row.id, filename: row.filename, contentType: row.contentType, size: row.size },
      data,
      inlineSafe: !row.neverInline && INLINE_IMAGE.test(row.contentType),
    };
  }

  async remove(actor: StaffActor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const row = isUuid(id) ? await m.findOneBy(OutboundUploadEntity, { id, userId: actor.id }) : null;
      if (!row) throw new TicketError('upload_not_found', 'No such upload');
      await m.delete(OutboundUploadEntity, { id });
      await this.storage.delete(m, row.storageKey);
    });
  }

  /**
   * Inside the caller's transaction: turns the actor's uploads into attachments of `messageId`
   * (the bytes stay under their key) and removes the uploads. `attachmentIds[i]` is the id to give
   * upload `uploadIds[i]`; `inline` lists uploads shown inside the HTML (`cid:<upload id>@upload`).
   */
  async claim(
    m: EntityManager,
    actorId: string,
    messageId: string,
    uploadIds: string[],
    attachmentIds: string[],
    inline: Set<string> = new Set(),
  ): Promise<void> {
    if (uploadIds.length === 0) return;
    const rows = await m.find(OutboundUploadEntity, {
      where: { id: In(uploadIds), userId: actorId },
      lock: { mode: 'pessimistic_write' },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const missing = uploadIds.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw new TicketError('upload_not_found', `Unknown or already used upload: ${missing.join(', ')}`);
    }
    await m.insert(
      AttachmentEntity,
      uploadIds.map((id, i) => {
        const u = byId.get(id)!;
        const shown = inline.has(id) && !u.neverInline && INLINE_IMAGE.test(u.contentType);
        return {
          id: attachmentIds[i],
          messageId,
          filename: u.filename,
          contentType: u.contentType,
          size: u.size,
          sha256: u.sha256,
          contentId: shown ? `<${id}@upload>` : null,
          inline: shown,
          storageKey: u.storageKey,
          neverInline: u.neverInline,
          declaredContentType: u.declaredContentType,
        };
      }),
    );
    await m.delete(OutboundUploadEntity, { id: In(uploadIds) });
  }

  /** Removes uploads never sent (older than UPLOAD_TTL_HOURS) and their bytes. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - UPLOAD_TTL_HOURS * 3600_000);
    return this.dataSource.transaction(async (m) => {
      const rows = await m.find(OutboundUploadEntity, { where: { createdAt: LessThan(cutoff) }, take: 1000 });
      for (const r of rows) await this.storage.delete(m, r.storageKey);
      if (rows.length) await m.delete(OutboundUploadEntity, { id: In(rows.map((r) => r.id)) });
      return rows.length;
    });
  }
}
