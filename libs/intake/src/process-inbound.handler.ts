import { InboundMessageEntity, InboundStatus } from '@app/database';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type FindOptionsSelect, type Repository } from 'typeorm';
import { IntakePipeline } from './pipeline/intake-pipeline';
import { PersistInboundService, type PersistOutcome } from './persist/persist-inbound.service';
import { readRawBytes } from './persist/read-raw';
import { AfterProcessService } from './settle/after-process.service';

export interface ProcessResult {
  outcome: PersistOutcome['kind'] | 'quarantined';
  ticketId?: string | null;
  reason?: string;
}

/**
 * Handles `process-inbound`: run the pipeline on a staged message and commit the result.
 * A message the pipeline cannot handle, or one still failing on its last attempt, is quarantined
 * with a reason — never dropped.
 */
@Injectable()
export class ProcessInboundHandler {
  private readonly logger = new Logger(ProcessInboundHandler.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pipeline: IntakePipeline,
    private readonly persist: PersistInboundService,
    // IMAP intake (issue 3): metrics and the settle job after each outcome.
    private readonly after: AfterProcessService,
  ) {}

  @JobHandler(JobName.ProcessInbound)
  async handle(data: JobOf<JobName.ProcessInbound>, meta: JobMeta): Promise<ProcessResult> {
    const repo = this.dataSource.getRepository(InboundMessageEntity);
    // One statement counts the attempt and marks the row processing (only while it is unfinished).
    await this.dataSource.query(
      `UPDATE inbound_messages SET attempts = attempts + 1, status = $2 WHERE id = $1 AND status IN ($3, $2)`,
      [data.inboundMessageId, InboundStatus.Processing, InboundStatus.Received],
    );
    // Everything but the bytes through TypeORM; the bytes once, in binary (see readRawBytes).
    const row = await repo.findOne({ select: this.columnsButRaw(repo), where: { id: data.inboundMessageId } });
    const raw =
      row && (row.status === InboundStatus.Received || row.status === InboundStatus.Processing)
        ? await readRawBytes(this.dataSource, row.id)
        : null;
    if (!row || row.status === InboundStatus.Processed || row.status === InboundStatus.Quarantined || !raw) {
      await this.after.alreadyDone(row);
      return { outcome: 'already_processed', ticketId: row?.ticketId ?? null };
    }
    row.raw = raw;
    const started = Date.now();
    try {
      const ctx = await this.pipeline.run(row, raw);
      this.after.parsed();
      if (ctx.quarantineReason) return await this.quarantine(row.id, ctx.quarantineReason);
      const outcome = await this.persist.persist(ctx);
      await this.after.committed(row, outcome.kind, Date.now() - started);
      this.logger.log(
        { inboundMessageId: row.id, outcome: outcome.kind, ms: Date.now() - started },
        'inbound processed',
      );
      return { outcome: outcome.kind, ticketId: 'ticketId' in outcome ? outcome.ticketId : null };
    } catch (error) {
      const lastAttempt = meta.attemptsMade + 1 >= meta.maxAttempts;
      this.logger.warn(
        { inboundMessageId: row.id, attempt: meta.attemptsMade + 1, lastAttempt, error: errorName(error) },
        'inbound processing failed',
      );
      if (lastAttempt) return this.quarantine(row.id, `failed_after_attempts:${errorName(error)}`);
      throw error;
    }
  }

  private columnsButRaw(repo: Repository<InboundMessageEntity>): FindOptionsSelect<InboundMessageEntity> {
    return Object.fromEntries(
      repo.metadata.columns.filter((c) => c.propertyName !== 'raw').map((c) => [c.propertyName, true]),
    );
  }

  private async quarantine(id: string, reason: string): Promise<ProcessResult> {
    await this.dataSource
      .getRepository(InboundMessageEntity)
      .update(
        { id, status: In([InboundStatus.Received, InboundStatus.Processing]) },
        { status: InboundStatus.Quarantined, reason, quarantinedAt: new Date() },
      );
    this.logger.warn({ inboundMessageId: id, reason }, 'inbound quarantined');
    await this.after.quarantined(id, reason);
    return { outcome: 'quarantined', reason };
  }
}

/** Class name and code only: error messages may quote message content. */
function errorName(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}(${code})` : error.name;
  }
  return 'unknown';
}
