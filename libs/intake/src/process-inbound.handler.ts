import { AppConfig } from '@app/config';
import { InboundKind, InboundMessageEntity, InboundStatus } from '@app/database';
import { JobHandler, JobName, type JobMeta, type JobOf } from '@app/queue';
import { AcknowledgementSender } from '@app/tickets';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type Repository } from 'typeorm';
import { IntakeMetrics } from './metrics/intake-metrics';
import type { IntakeContext } from './pipeline/intake-context';
import { IntakePipeline, mailLimitsFrom } from './pipeline/intake-pipeline';
import { sharedParserPool } from './pipeline/mime/parser-pool';
import { PersistInboundService, type PersistOutcome } from './persist/persist-inbound.service';
import { LARGE_RAW_BYTES, readRawBytesInSlices, readRawBytesMany, readRawCompacted } from './persist/read-raw';
import { sharedStagedBytes } from './persist/staged-bytes';
import { WholeRawNeeded, type RawGap } from './pipeline/mime/compact-raw';
import { AfterProcessService } from './settle/after-process.service';

export interface ProcessResult {
  outcome: PersistOutcome['kind'] | 'quarantined';
  ticketId?: string | null;
  reason?: string;
}

/** One job waiting for its batch. */
interface Pending {
  id: string;
  /** Times this job was held back for the original of the reply it carries. */
  holds?: number;
  meta: JobMeta;
  resolve(result: ProcessResult): void;
  reject(error: unknown): void;
}

interface Parsed {
  item: Pending;
  row: InboundMessageEntity;
  ctx: IntakeContext;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Batches that run at once: the intake queue runs twice INTAKE_BATCH_SIZE jobs at once, two full
 * batches. Unbounded, mail arriving at 100/s started a batch of one or two messages every 5 ms,
 * each a transaction of some fifteen statements, and twenty-odd of them at once queued for the
 * connection pool: every message waited behind the others' round trips (M2 in BENCHMARKS.md).
 */
const BATCHES_IN_FLIGHT = 2;

/** Raw bytes held in memory by one round of a batch (a single larger message still goes alone). */
const ROUND_BYTES = 32 * 1024 * 1024;

/**
 * A reply whose original is staged but not committed yet (in the other batch in flight, or still
 * queued) is tried again this much later, at most MAX_HOLDS times (then it goes as it is, as a
 * reply to mail the desk never got would).
 */
const HOLD_MS = 100;
const MAX_HOLDS = 50;

/**
 * Handles `process-inbound`: run the pipeline on a staged message and commit the result.
 * A message the pipeline cannot handle, or one still failing on its last attempt, is quarantined
 * with a reason — never dropped.
 *
 * Group commit: jobs that are active at the same moment (the intake queue runs up to twice
 * INTAKE_BATCH_SIZE at once) are gathered into batches of up to INTAKE_BATCH_SIZE, waiting at most
 * INTAKE_BATCH_WAIT_MS for company. At most BATCHES_IN_FLIGHT batches run at once (one parsing
 * while another commits); jobs that arrive meanwhile wait for one of them to finish and then go
 * together, so a steady trickle of mail makes a few larger batches instead of one tiny transaction
 * every few milliseconds, each queueing for the same connections. A batch is loaded with a few statements, parsed in parallel
 * and committed in ONE transaction with one statement per table. Each job still has its own
 * outcome, retries and quarantine: if a batch's commit fails, its messages are committed one by
 * one, so one poisonous message fails only its own job. A reply to a message of the same batch is
 * held back and runs in a later batch, once the message it answers is committed (its thread is
 * decided from the database).
 */
@Injectable()
export class ProcessInboundHandler {
  private readonly logger = new Logger(ProcessInboundHandler.name);
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private butRaw: string[] | undefined;
  private readonly batchSize: number;
  private readonly waitMs: number;
  /** Larger messages are read whole, for the pre-scan to quarantine them (`limit_size`). */
  private readonly maxBytes: number;
  /** Bytes staged by this same process (all-in-one): taken instead of read back. */
  private readonly handoff = sharedStagedBytes();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pipeline: IntakePipeline,
    private readonly persist: PersistInboundService,
    // IMAP intake (issue 3): metrics and the settle job after each outcome.
    private readonly after: AfterProcessService,
    config: AppConfig,
    // Sends each committed batch's acknowledgements at once (without it, a job each).
    @Optional() private readonly acknowledgements?: AcknowledgementSender,
    @Optional() private readonly metrics?: IntakeMetrics,
  ) {
    this.batchSize = config.values.INTAKE_BATCH_SIZE;
    this.waitMs = config.values.INTAKE_BATCH_WAIT_MS;
    this.maxBytes = mailLimitsFrom(config).maxBytes;
    // This process consumes the intake queue: have the parser threads up before the first job.
    sharedParserPool().warm();
    this.handoff.enableConsumer();
  }

  @JobHandler(JobName.ProcessInbound)
  handle(data: JobOf<JobName.ProcessInbound>, meta: JobMeta): Promise<ProcessResult> {
    return new Promise<ProcessResult>((resolve, reject) => {
      this.enqueue({ id: data.inboundMessageId, meta, resolve, reject });
    });
  }

  private enqueue(item: Pending): void {
    this.pending.push(item);
    if (this.inFlight >= BATCHES_IN_FLIGHT) return; // the next batch starts when one ends
    if (this.pending.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.waitMs);
  }

  /** Starts a batch with what is pending (one job per staging row; a second job of a row waits). */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight >= BATCHES_IN_FLIGHT) return;
    const batch: Pending[] = [];
    const later: Pending[] = [];
    const ids = new Set<string>();
    for (const item of this.pending) {
      if (batch.length < this.batchSize && !ids.has(item.id)) {
        ids.add(item.id);
        batch.push(item);
      } else later.push(item);
    }
    this.pending = later;
    if (batch.length === 0) {
      // Only second jobs of rows already in a batch: they wait for it (they find the row done).
      if (later.length > 0) this.timer = setTimeout(() => this.flush(), this.waitMs);
      return;
    }
    this.inFlight++;
    void this.processBatch(batch)
      .catch((error: unknown) => {
        // Loading failed (the database is away): every job of the batch fails and is retried.
        for (const item of batch) item.reject(error);
      })
      .finally(() => {
        this.inFlight--;
        // What arrived while the batches ran goes at once: it has waited long enough for company.
        if (this.pending.length > 0) this.flush();
      });
    // A full batch more, and room to run it: no need to wait for either batch to end.
    if (this.pending.length >= this.batchSize) this.flush();
    else if (this.pending.length > 0) this.timer ??= setTimeout(() => this.flush(), this.waitMs);
  }

  private async processBatch(items: Pending[]): Promise<void> {
    const repo = this.dataSource.getRepository(InboundMessageEntity);
    const ids = items.map((i) => i.id);
    // One statement counts the attempt and marks the rows processing (only while unfinished), and
    // reads everything but the bytes (those come a round at a time, in binary). Its SELECT sees the
    // rows as they were before the UPDATE beside it: received or processing both mean unfinished.
    // In the order the messages were staged (several BullMQ workers hand the jobs over in any
    // order), so new tickets are numbered in arrival order within a batch.
    const rows = await repo
      .createQueryBuilder('i')
      .addCommonTableExpression(
        `UPDATE inbound_messages SET attempts = attempts + 1, status = :processing
          WHERE id IN (:...ids) AND status IN (:received, :processing) RETURNING id`,
        'attempted',
      )
      .select(this.selectButRaw(repo))
      .where('i.id IN (:...ids)', { ids, processing: InboundStatus.Processing, received: InboundStatus.Received })
      .orderBy('i.createdAt', 'ASC')
      .addOrderBy('i.uid', 'ASC')
      .getMany();
    const unseen = new Map(items.map((i) => [i.id, i]));
    const live: Array<{ item: Pending; row: InboundMessageEntity }> = [];
    for (const row of rows) {
      const item = unseen.get(row.id);
      if (!item) continue;
      unseen.delete(row.id);
      if (row.status !== InboundStatus.Received && row.status !== InboundStatus.Processing) {
        await this.alreadyDone(item, row);
      } else live.push({ item, row });
    }
    for (const item of unseen.values()) await this.alreadyDone(item, null);
    for (const round of byBytes(live, ROUND_BYTES)) await this.processRound(round);
  }

  private async processRound(round: Array<{ item: Pending; row: InboundMessageEntity }>): Promise<void> {
    const started = Date.now();
    // Bytes this process staged itself come from the hand-off; only the rest are read back.
    const handedOver = new Map<string, Buffer>();
    for (const { row } of round) {
      const bytes = row.size < LARGE_RAW_BYTES ? this.handoff.take(row.id) : undefined;
      if (bytes) handedOver.set(row.id, bytes);
    }
    const raws = await readRawBytesMany(
      this.dataSource,
      round.filter((r) => r.row.size < LARGE_RAW_BYTES && !handedOver.has(r.row.id)).map((r) => r.row.id),
    );
    for (const [id, bytes] of handedOver) raws.set(id, bytes);
    // A large email is read without its base64 bulk (mime/compact-raw.ts), which stays in the row.
    const gaps = new Map<string, RawGap[]>();
    for (const { row } of round) {
      if (row.size < LARGE_RAW_BYTES) continue;
      if (row.kind === InboundKind.Email && row.size <= this.maxBytes) {
        const compact = await readRawCompacted(this.dataSource, row.id);
        if (compact) {
          raws.set(row.id, compact.bytes);
          gaps.set(row.id, compact.gaps);
        }
        continue;
      }
      const raw = await readRawBytesInSlices(this.dataSource, row.id);
      if (raw) raws.set(row.id, raw);
    }
    if (raws.size > handedOver.size) this.metrics?.rawReads.inc({ source: 'database' }, raws.size - handedOver.size);
    if (handedOver.size > 0) this.metrics?.rawReads.inc({ source: 'handoff' }, handedOver.size);
    const parsed: Parsed[] = [];
    await Promise.all(
      round.map(async ({ item, row }) => {
        const raw = raws.get(row.id);
        if (!raw) return this.alreadyDone(item, row);
        raws.delete(row.id);
        try {
          const ctx = await this.runPipeline(row, raw, gaps.get(row.id) ?? []);
          if (!ctx) return this.alreadyDone(item, row);
          // Nothing past the filters reads the bytes (large attachments are stored from the staging
          // row): let a large message's go now rather than at the end of the round's commit.
          ctx.raw = NO_BYTES;
          this.after.parsed();
          if (ctx.quarantineReason) item.resolve(await this.quarantine(row.id, ctx.quarantineReason));
          else parsed.push({ item, row, ctx });
        } catch (error) {
          await this.failed(item, row.id, error);
        }
      }),
    );
    // Keep the arrival order (parsing finished in any order), then hold back replies to a message
    // of this same round: they are decided again once it is committed.
    const order = new Map(round.map((r, i) => [r.row.id, i]));
    parsed.sort((a, b) => (order.get(a.row.id) ?? 0) - (order.get(b.row.id) ?? 0));
    const ready: Parsed[] = [];
    const held: Pending[] = [];
    const idsInRound = new Set<string>();
    for (const p of parsed) {
      if (answered(p).some((r) => idsInRound.has(r))) held.push(p.item);
      else {
        ready.push(p);
        if (p.ctx.message?.messageId) idsInRound.add(p.ctx.message.messageId);
      }
    }
    const waiting = await this.originalsNotCommitted(ready, round);
    await this.commit(
      ready.filter((p) => !waiting.has(p)),
      started,
    );
    for (const item of held) this.enqueue(item);
    for (const p of waiting) {
      p.item.holds = (p.item.holds ?? 0) + 1;
      setTimeout(() => this.enqueue(p.item), HOLD_MS);
    }
  }

  /**
   * Replies that found no ticket while the message they answer is staged before them and not
   * committed: in the other batch in flight (its transaction not yet visible) or still queued —
   * several BullMQ workers hand a pile over in any order. Committed now, such a reply would open a
   * ticket of its own; held back, it joins its original's ticket once that is committed.
   */
  private async originalsNotCommitted(
    ready: Parsed[],
    round: Array<{ row: InboundMessageEntity }>,
  ): Promise<Set<Parsed>> {
    const candidates = ready.filter(
      (p) => !p.ctx.thread.ticketId && (p.item.holds ?? 0) < MAX_HOLDS && answered(p).length > 0,
    );
    const waiting = new Set<Parsed>();
    if (candidates.length === 0) return waiting;
    const unfinished = await this.dataSource.query<Array<{ mid: string; staged: Date }>>(
      `SELECT message_id_header AS mid, created_at AS staged FROM inbound_messages
        WHERE message_id_header = ANY($1::text[]) AND status IN ($2, $3) AND id <> ALL($4::uuid[])`,
      [
        [...new Set(candidates.flatMap(answered))].slice(0, 1000),
        InboundStatus.Received,
        InboundStatus.Processing,
        round.map((r) => r.row.id),
      ],
    );
    if (unfinished.length === 0) return waiting;
    const stagedAt = new Map<string, number>();
    for (const u of unfinished) stagedAt.set(u.mid, Math.min(stagedAt.get(u.mid) ?? Infinity, u.staged.getTime()));
    for (const p of candidates) {
      const mine = p.row.createdAt.getTime();
      if (answered(p).some((r) => (stagedAt.get(r) ?? Infinity) <= mine)) waiting.add(p);
    }
    return waiting;
  }

  /** The filters on a message; read whole and run again when its compacted bytes will not do. */
  private async runPipeline(row: InboundMessageEntity, raw: Buffer, gaps: RawGap[]): Promise<IntakeContext | null> {
    try {
      return await this.pipeline.run(row, raw, gaps);
    } catch (error) {
      if (!(error instanceof WholeRawNeeded)) throw error;
      const whole = await readRawBytesInSlices(this.dataSource, row.id);
      return whole ? this.pipeline.run(row, whole) : null;
    }
  }

  /** One transaction for the batch; if it fails, each message on its own. */
  private async commit(ready: Parsed[], started: number): Promise<void> {
    if (ready.length === 0) return;
    let outcomes: PersistOutcome[] | null = null;
    try {
      const acks = this.acknowledgements;
      outcomes = await this.persist.persistBatch(
        ready.map((p) => p.ctx),
        acks ? (ids) => acks.send(ids) : undefined,
      );
    } catch (error) {
      if (ready.length === 1 && ready[0]) return this.failed(ready[0].item, ready[0].row.id, error);
      this.logger.warn({ messages: ready.length, error: errorName(error) }, 'batch commit failed; one by one');
    }
    if (!outcomes) {
      for (const p of ready) await this.commit([p], started);
      return;
    }
    await this.after.committedMany(
      ready.map((p, i) => {
        const outcome = outcomes[i]?.kind ?? 'gone';
        const stored = outcome === 'created' || outcome === 'follow_up';
        const fromStaging = stored ? (p.ctx.message?.attachments.filter((a) => a.staged).length ?? 0) : 0;
        return { row: p.row, outcome, attachmentsFromStaging: fromStaging };
      }),
      Date.now() - started,
    );
    for (const [i, p] of ready.entries()) {
      const outcome = outcomes[i] ?? { kind: 'gone' as const };
      this.logger.log(
        { inboundMessageId: p.row.id, outcome: outcome.kind, ms: Date.now() - started },
        'inbound processed',
      );
      p.item.resolve({ outcome: outcome.kind, ticketId: 'ticketId' in outcome ? outcome.ticketId : null });
    }
  }

  private async alreadyDone(item: Pending, row: InboundMessageEntity | null): Promise<void> {
    this.handoff.drop(item.id);
    try {
      await this.after.alreadyDone(row);
      item.resolve({ outcome: 'already_processed', ticketId: row?.ticketId ?? null });
    } catch (error) {
      item.reject(error);
    }
  }

  /** A failure of one message: retried by BullMQ, or quarantined on its last attempt. */
  private async failed(item: Pending, id: string, error: unknown): Promise<void> {
    const lastAttempt = item.meta.attemptsMade + 1 >= item.meta.maxAttempts;
    this.logger.warn(
      { inboundMessageId: id, attempt: item.meta.attemptsMade + 1, lastAttempt, error: errorName(error) },
      'inbound processing failed',
    );
    if (!lastAttempt) return item.reject(error);
    try {
      item.resolve(await this.quarantine(id, `failed_after_attempts:${errorName(error)}`));
    } catch (quarantineError) {
      item.reject(quarantineError);
    }
  }

  /** Every staging column but the bytes, as the batch's query selects them (worked out once). */
  private selectButRaw(repo: Repository<InboundMessageEntity>): string[] {
    this.butRaw ??= repo.metadata.columns.filter((c) => c.propertyName !== 'raw').map((c) => `i.${c.propertyName}`);
    return this.butRaw;
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

/** The Message-IDs a message answers: its In-Reply-To and References, empty ones left out. */
function answered(p: Parsed): string[] {
  const message = p.ctx.message;
  return message ? [message.inReplyTo, ...message.references].filter((r): r is string => !!r) : [];
}

/** Splits into rounds of at most `budget` raw bytes (by the staged size); never an empty round. */
function byBytes<T extends { row: { size: number } }>(items: T[], budget: number): T[][] {
  const rounds: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && bytes + item.row.size > budget) {
      rounds.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.row.size;
  }
  if (current.length > 0) rounds.push(current);
  return rounds;
}

/** Class name and code only: error messages may quote message content. */
function errorName(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}(${code})` : error.name;
  }
  return 'unknown';
}
