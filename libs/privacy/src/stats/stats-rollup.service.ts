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
  firstResponseDue: number;
  firstResponseBreached: number;
  resolutionDue: number;
  resolutionBreached: number;
}

/** Per agent and day: replies, solved tickets, and the times credited to the agent. */
interface AgentDelta {
  day: string;
  agentId: string;
  replies: number;
  solved: number;
  firstResponseCount: number;
  firstResponseSeconds: number;
  firstResponseBuckets: number[];
  resolutionCount: number;
  resolutionSeconds: number;
  resolutionBuckets: number[];
}

/** Per customer organisation and day: counts only. */
interface OrgDelta {
  day: string;
  organisationId: string;
  created: number;
  solved: number;
}

interface Deltas {
  daily: Map<string, Delta>;
  agents: Map<string, AgentDelta>;
  orgs: Map<string, OrgDelta>;
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
 * Folds history_events (after a watermark) and first responses into ticket_stats_daily (counts,
 * SLA breaches and time histograms per day, channel, mailbox and group), ticket_stats_agent_daily
 * (per staff member) and ticket_stats_org_daily (per customer organisation). Reads ids, statuses
 * and times only; writes no personal data. Runs every minute (scheduler) and on demand; concurrent runs serialise
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
          actor_type: string;
          actor_id: string | null;
          ticket_created_at: Date | null;
          assignee_id: string | null;
          organisation_id: string | null;
          resolution_due_at: Date | null;
          settled: boolean;
        }
      >
    >(
      `SELECT h.id::text AS id, h.type, h.field, h.old_value, h.new_value, h.created_at AS at,
              h.actor_type::text AS actor_type, h.actor_id,
              t.channel::text AS channel, t.mailbox_id, t.group_id, t.created_at AS ticket_created_at,
              t.assignee_id, t.resolution_due_at, c.organisation_id,
              h.created_at < now() - make_interval(secs => $3::double precision / 1000) AS settled
         FROM history_events h LEFT JOIN tickets t ON t.id = h.ticket_id LEFT JOIN contacts c ON c.id = t.contact_id
        WHERE h.id > $1::bigint ORDER BY h.id LIMIT $2`,
      [watermark, batchSize, settleMs],
    );
    const deltas: Deltas = { daily: new Map(), agents: new Map(), orgs: new Map() };
    let counted = 0;
    for (const e of events) {
      if (!e.settled) break;
      counted += 1;
      watermark = e.id;
      const staff = e.actor_type === 'user' ? e.actor_id : null;
      if (e.type === 'ticket_created') {
        delta(deltas.daily, e.at, { ...e, channel: e.channel ?? e.new_value }).created += 1;
        orgDelta(deltas.orgs, e.at, e.organisation_id).created += 1;
      } else if (e.type === 'reply_queued' && staff) {
        agentDelta(deltas.agents, e.at, staff).replies += 1;
      } else if (e.field === 'status' && e.old_value !== null && e.new_value !== null) {
        if (RESOLVED.has(e.new_value) && !RESOLVED.has(e.old_value)) {
          const d = delta(deltas.daily, e.at, e);
          // Credited to whoever solved it; a system change (auto-close, merge) to the assignee.
          const agent = agentDelta(deltas.agents, e.at, staff ?? e.assignee_id);
          d.solved += 1;
          agent.solved += 1;
          orgDelta(deltas.orgs, e.at, e.organisation_id).solved += 1;
          if (e.resolution_due_at) {
            d.resolutionDue += 1;
            if (e.at > e.resolution_due_at) d.resolutionBreached += 1;
          }
          if (e.ticket_created_at) {
            const seconds = Math.max(0, Math.round((e.at.getTime() - e.ticket_created_at.getTime()) / 1000));
            addDuration(d, 'resolution', seconds);
            addDuration(agent, 'resolution', seconds);
          }
        } else if (RESOLVED.has(e.old_value) && UNRESOLVED.has(e.new_value)) {
          delta(deltas.daily, e.at, e).reopened += 1;
        }
      }
    }

    const responded = await m.query<
      Array<
        Dimension & {
          id: string;
          created_at: Date;
          first_response_at: Date;
          first_response_due_at: Date | null;
          responder_id: string | null;
        }
      >
    >(
      `SELECT t.id, t.channel::text AS channel, t.mailbox_id, t.group_id, t.created_at, t.first_response_at,
              t.first_response_due_at,
              COALESCE((SELECT r.author_user_id FROM messages r
                         WHERE r.ticket_id = t.id AND r.direction = 'out' AND r.author_user_id IS NOT NULL
                           AND NOT r.auto_submitted AND r.to_addresses IS NULL
                         ORDER BY r.sent_at NULLS LAST, r.created_at LIMIT 1), t.assignee_id) AS responder_id
         FROM tickets t
        WHERE t.first_response_at IS NOT NULL
          AND t.first_response_at < now() - make_interval(secs => $2::double precision / 1000)
          AND NOT EXISTS (SELECT 1 FROM stats_first_responses s WHERE s.ticket_id = t.id)
        ORDER BY t.first_response_at LIMIT $1`,
      [batchSize, settleMs],
    );
    for (const t of responded) {
      const seconds = Math.max(0, Math.round((t.first_response_at.getTime() - t.created_at.getTime()) / 1000));
      const d = delta(deltas.daily, t.first_response_at, t);
      addDuration(d, 'firstResponse', seconds);
      addDuration(agentDelta(deltas.agents, t.first_response_at, t.responder_id), 'firstResponse', seconds);
      if (t.first_response_due_at) {
        d.firstResponseDue += 1;
        if (t.first_response_at > t.first_response_due_at) d.firstResponseBreached += 1;
      }
    }
    if (responded.length > 0) {
      await m.query(`INSERT INTO stats_first_responses (ticket_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [
        responded.map((t) => t.id),
      ]);
    }
    for (const d of deltas.daily.values()) {
      const { day, channel, mailboxId, groupId, ...counts } = d;
      await addRow(m, 'ticket_stats_daily', { day, channel, mailbox_id: mailboxId, group_id: groupId }, counts);
    }
    for (const { day, agentId, ...counts } of deltas.agents.values())
      await addRow(m, 'ticket_stats_agent_daily', { day, agent_id: agentId }, counts);
    for (const { day, organisationId, ...counts } of deltas.orgs.values())
      await addRow(m, 'ticket_stats_org_daily', { day, organisation_id: organisationId }, counts);
    await m.query(`UPDATE stats_watermarks SET last_history_id = $2::bigint, updated_at = now() WHERE name = $1`, [
      WATERMARK,
      watermark,
    ]);
    const more = (counted === events.length && events.length === batchSize) || responded.length === batchSize;
    return { events: counted, firstResponses: responded.length, watermark, more };
  }
}

/** The accumulator under `key`, made by `make` the first time. */
function entry<T>(map: Map<string, T>, key: string, make: () => T): T {
  let d = map.get(key);
  if (!d) {
    d = make();
    map.set(key, d);
  }
  return d;
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10);

function timedZero(): Timed {
  return {
    firstResponseCount: 0,
    firstResponseSeconds: 0,
    firstResponseBuckets: emptyHistogram(),
    resolutionCount: 0,
    resolutionSeconds: 0,
    resolutionBuckets: emptyHistogram(),
  };
}

function delta(map: Map<string, Delta>, at: Date, dim: Dimension): Delta {
  const day = dayOf(at);
  const channel = dim.channel ?? 'unknown';
  const mailboxId = dim.mailbox_id ?? NIL_UUID;
  const groupId = dim.group_id ?? NIL_UUID;
  return entry(map, `${day}|${channel}|${mailboxId}|${groupId}`, () => ({
    day,
    channel,
    mailboxId,
    groupId,
    created: 0,
    solved: 0,
    reopened: 0,
    ...timedZero(),
    firstResponseDue: 0,
    firstResponseBreached: 0,
    resolutionDue: 0,
    resolutionBreached: 0,
  }));
}

function agentDelta(map: Map<string, AgentDelta>, at: Date, agentId: string | null): AgentDelta {
  const day = dayOf(at);
  const id = agentId ?? NIL_UUID;
  return entry(map, `${day}|${id}`, () => ({ day, agentId: id, replies: 0, solved: 0, ...timedZero() }));
}

function orgDelta(map: Map<string, OrgDelta>, at: Date, organisationId: string | null): OrgDelta {
  const day = dayOf(at);
  const id = organisationId ?? NIL_UUID;
  return entry(map, `${day}|${id}`, () => ({ day, organisationId: id, created: 0, solved: 0 }));
}

type Timed = Pick<
  Delta,
  | 'firstResponseCount'
  | 'firstResponseSeconds'
  | 'firstResponseBuckets'
  | 'resolutionCount'
  | 'resolutionSeconds'
  | 'resolutionBuckets'
>;

function addDuration(d: Timed, kind: 'firstResponse' | 'resolution', seconds: number): void {
  const buckets = kind === 'firstResponse' ? d.firstResponseBuckets : d.resolutionBuckets;
  buckets[bucketIndex(seconds)] = (buckets[bucketIndex(seconds)] ?? 0) + 1;
  if (kind === 'firstResponse') {
    d.firstResponseCount += 1;
    d.firstResponseSeconds += seconds;
  } else {
    d.resolutionCount += 1;
    d.resolutionSeconds += seconds;
  }
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Adds counters (numbers) and histograms (arrays, summed position by position) into one row of a
 * statistics table, creating it when absent. Table and column names come from this file only.
 */
async function addRow(
  m: EntityManager,
  table: string,
  key: Record<string, string>,
  counts: Record<string, number | number[]>,
): Promise<void> {
  const keyColumns = Object.keys(key);
  const columns = Object.keys(counts).map(snake);
  const all = [...keyColumns, ...columns];
  const sets = columns.map((c, i) =>
    Array.isArray(Object.values(counts)[i])
      ? `${c} = (SELECT array_agg(COALESCE(u.a, 0) + COALESCE(u.b, 0) ORDER BY u.i)
            FROM unnest(${table}.${c}, EXCLUDED.${c}) WITH ORDINALITY AS u(a, b, i))`
      : `${c} = ${table}.${c} + EXCLUDED.${c}`,
  );
  await m.query(
    `INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map((_, i) => `$${i + 1}`).join(', ')})
     ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${sets.join(', ')}, updated_at = now()`,
    [...Object.values(key), ...Object.values(counts)],
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
