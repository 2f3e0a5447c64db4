import { TicketStatsDailyEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Between, type DataSource, type EntityManager } from 'typeorm';
import { PrivacyError } from '../privacy.error';
import { bucketIndex, emptyHistogram } from './stats-buckets';

/** "No mailbox" / "no group" in the stats key (the key columns are NOT NULL). */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const WATERMARK = 'ticket_stats';
const RESOLVED = new Set(['solved', 'closed']);
const UNRESOLVED = new Set(['new', 'open', 'pending']);

interface Delta {
  day: string;
  channel: string;
  mailboxId: string;
  groupId: string;
  created: number;
  solved: number;
  reopened: number;
  firstResponseCount: number;
  firstResponseSeconds: number;
  firstResponseBuckets: number[];
  resolutionCount: number;
  resolutionSeconds: number;
  resolutionBuckets: number[];
}

interface Dimension {
  channel: string | null;
  mailbox_id: string | null;
  group_id: string | null;
}

export interface RollupOptions {
  /**
   * Only events older than this are read. Identity values are handed out at insert time but
   * become visible at commit, so a young event with a lower id than a visible one may still be in
   * flight; waiting a little keeps the watermark from jumping over it.
   */
  settleMs?: number;
  batchSize?: number;
}

export interface RollupResult {
  events: number;
  firstResponses: number;
  watermark: string;
}

/**
 * Folds history_events (after a watermark) and first responses into ticket_stats_daily: counts
 * and time histograms per day, channel, mailbox and group. Reads ids, statuses and times only;
 * writes no personal data. Runs every minute (scheduler) and on demand; concurrent runs serialise
 * on the watermark row, and each batch commits aggregates and watermark together, so a crash
 * neither loses nor double-counts anything.
 */
@Injectable()
export class StatsRollupService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async rollup(options: RollupOptions = {}): Promise<RollupResult> {
    const settleMs = options.settleMs ?? 10_000;
    const batchSize = options.batchSize ?? 5000;
    const total: RollupResult = { events: 0, firstResponses: 0, watermark: '0' };
    for (;;) {
      const step = await this.dataSource.transaction((m) => this.step(m, settleMs, batchSize));
      total.events += step.events;
      total.firstResponses += step.firstResponses;
      total.watermark = step.watermark;
      if (!step.more) return total;
    }
  }

  async daily(from: string, to: string): Promise<TicketStatsDailyEntity[]> {
    for (const [name, day] of [
      ['from', from],
      ['to', to],
    ]) {
      if (!isCalendarDay(day)) throw new PrivacyError('invalid_parameter', `${name} must be a day (YYYY-MM-DD)`);
    }
    return this.dataSource.getRepository(TicketStatsDailyEntity).find({
      where: { day: Between(from, to) },
      order: { day: 'ASC', channel: 'ASC', mailboxId: 'ASC', groupId: 'ASC' },
    });
  }

  private async step(m: EntityManager, settleMs: number, batchSize: number): Promise<RollupResult & { more: boolean }> {
    await m.query(`INSERT INTO stats_watermarks (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [WATERMARK]);
    const [mark] = await m.query<Array<{ last: string }>>(
      `SELECT last_history_id::text AS last FROM stats_watermarks WHERE name = $1 FOR UPDATE`,
      [WATERMARK],
    );
    let watermark = mark?.last ?? '0';
    const events = await m.query<
      Array<
        Dimension & {
          id: string;
          type: string;
          field: string | null;
          old_value: string | null;
          new_value: string | null;
          at: Date;
          ticket_created_at: Date | null;
          settled: boolean;
        }
      >
    >(
      `SELECT h.id::text AS id, h.type, h.field, h.old_value, h.new_value, h.created_at AS at,
              t.channel::text AS channel, t.mailbox_id, t.group_id, t.created_at AS ticket_created_at,
              h.created_at < now() - make_interval(secs => $3::double precision / 1000) AS settled
         FROM history_events h LEFT JOIN tickets t ON t.id = h.ticket_id
        WHERE h.id > $1::bigint ORDER BY h.id LIMIT $2`,
      [watermark, batchSize, settleMs],
    );
    const deltas = new Map<string, Delta>();
    let counted = 0;
    for (const e of events) {
      if (!e.settled) break;
      counted += 1;
      watermark = e.id;
      if (e.type === 'ticket_created') {
        delta(deltas, e.at, { ...e, channel: e.channel ?? e.new_value }).created += 1;
      } else if (e.field === 'status' && e.old_value !== null && e.new_value !== null) {
        if (RESOLVED.has(e.new_value) && !RESOLVED.has(e.old_value)) {
          const d = delta(deltas, e.at, e);
          d.solved += 1;
          if (e.ticket_created_at) {
            const seconds = Math.max(0, Math.round((e.at.getTime() - e.ticket_created_at.getTime()) / 1000));
            d.resolutionCount += 1;
            d.resolutionSeconds += seconds;
            d.resolutionBuckets[bucketIndex(seconds)] = (d.resolutionBuckets[bucketIndex(seconds)] ?? 0) + 1;
          }
        } else if (RESOLVED.has(e.old_value) && UNRESOLVED.has(e.new_value)) {
          delta(deltas, e.at, e).reopened += 1;
        }
      }
    }

    const responded = await m.query<Array<Dimension & { id: string; created_at: Date; first_response_at: Date }>>(
      `SELECT t.id, t.channel::text AS channel, t.mailbox_id, t.group_id, t.created_at, t.first_response_at
         FROM tickets t
        WHERE t.first_response_at IS NOT NULL
          AND t.first_response_at < now() - make_interval(secs => $2::double precision / 1000)
          AND NOT EXISTS (SELECT 1 FROM stats_first_responses s WHERE s.ticket_id = t.id)
        ORDER BY t.first_response_at LIMIT $1`,
      [batchSize, settleMs],
    );
    for (const t of responded) {
      const seconds = Math.max(0, Math.round((t.first_response_at.getTime() - t.created_at.getTime()) / 1000));
      const d = delta(deltas, t.first_response_at, t);
      d.firstResponseCount += 1;
      d.firstResponseSeconds += seconds;
      d.firstResponseBuckets[bucketIndex(seconds)] = (d.firstResponseBuckets[bucketIndex(seconds)] ?? 0) + 1;
    }
    if (responded.length > 0) {
      await m.query(`INSERT INTO stats_first_responses (ticket_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [
        responded.map((t) => t.id),
      ]);
    }
    for (const d of deltas.values()) await upsert(m, d);
    await m.query(`UPDATE stats_watermarks SET last_history_id = $2::bigint, updated_at = now() WHERE name = $1`, [
      WATERMARK,
      watermark,
    ]);
    const more = (counted === events.length && events.length === batchSize) || responded.length === batchSize;
    return { events: counted, firstResponses: responded.length, watermark, more };
  }
}

function delta(map: Map<string, Delta>, at: Date, dim: Dimension): Delta {
  const day = at.toISOString().slice(0, 10);
  const channel = dim.channel ?? 'unknown';
  const mailboxId = dim.mailbox_id ?? NIL_UUID;
  const groupId = dim.group_id ?? NIL_UUID;
  const key = `${day}|${channel}|${mailboxId}|${groupId}`;
  let d = map.get(key);
  if (!d) {
    d = {
      day,
      channel,
      mailboxId,
      groupId,
      created: 0,
      solved: 0,
      reopened: 0,
      firstResponseCount: 0,
      firstResponseSeconds: 0,
      firstResponseBuckets: emptyHistogram(),
      resolutionCount: 0,
      resolutionSeconds: 0,
      resolutionBuckets: emptyHistogram(),
    };
    map.set(key, d);
  }
  return d;
}

async function upsert(m: EntityManager, d: Delta): Promise<void> {
  const sumArrays = (column: string) =>
    `(SELECT array_agg(COALESCE(u.a, 0) + COALESCE(u.b, 0) ORDER BY u.i)
        FROM unnest(ticket_stats_daily.${column}, EXCLUDED.${column}) WITH ORDINALITY AS u(a, b, i))`;
  await m.query(
    `INSERT INTO ticket_stats_daily (day, channel, mailbox_id, group_id, created, solved, reopened,
        first_response_count, first_response_seconds, first_response_buckets,
        resolution_count, resolution_seconds, resolution_buckets)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (day, channel, mailbox_id, group_id) DO UPDATE SET
        created = ticket_stats_daily.created + EXCLUDED.created,
        solved = ticket_stats_daily.solved + EXCLUDED.solved,
        reopened = ticket_stats_daily.reopened + EXCLUDED.reopened,
        first_response_count = ticket_stats_daily.first_response_count + EXCLUDED.first_response_count,
        first_response_seconds = ticket_stats_daily.first_response_seconds + EXCLUDED.first_response_seconds,
        first_response_buckets = ${sumArrays('first_response_buckets')},
        resolution_count = ticket_stats_daily.resolution_count + EXCLUDED.resolution_count,
        resolution_seconds = ticket_stats_daily.resolution_seconds + EXCLUDED.resolution_seconds,
        resolution_buckets = ${sumArrays('resolution_buckets')},
        updated_at = now()`,
    [
      d.day,
      d.channel,
      d.mailboxId,
      d.groupId,
      d.created,
      d.solved,
      d.reopened,
      d.firstResponseCount,
      d.firstResponseSeconds,
      d.firstResponseBuckets,
      d.resolutionCount,
      d.resolutionSeconds,
      d.resolutionBuckets,
    ],
  );
}

/** A real calendar day written YYYY-MM-DD (year 1–9999), as PostgreSQL's date type accepts it. */
function isCalendarDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(2000, mo - 1, d));
  date.setUTCFullYear(y);
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
