// Reports benchmark (issue 11): over the inbox benchmark's desk (1,000,000 tickets, 200,000
// customers, 2,000 organisations, seeded in plain SQL), with the statistics tables and staff history
// such a desk's rollup would have produced (computed in bulk here), times every report, the activity
// view and the customer page of a customer with 10,000 tickets through the API (HTTP, session, JSON)
// next to the same SQL statements run bare over one pg connection, alternately, in one run.
// Goal: p95 ≤ 100 ms and ≤ 3× the bare SQL. Writes its block into BENCHMARKS.md (BENCH_WRITE=0: not).
// Run: npm run bench:reports   (env as bench:inbox: BENCH_TICKETS, BENCH_RUNS, BENCH_WARMUP, BENCH_DB)
import { CustomerQueryService } from '@app/customers';
import { STATS_BUCKET_SECONDS, NIL_UUID } from '@app/privacy';
import { ActivityService, REPORT_SQL } from '@app/reports';
import { createTestRedis } from '@app/testing';
import { TicketQueryService, type StaffActor } from '@app/tickets';
import { UserRole } from '@app/database';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'pg';
import {
  benchDatabase,
  getJson,
  loadAverage,
  log,
  markdownTable,
  RUNS,
  samplePair,
  seedCustomers,
  startDesk,
  TICKETS,
  timed,
  writeBenchBlock,
  type Stats,
} from './bench-kit';

const BIG_CUSTOMER = 'bigcustomer@example.org';
const BIG_CUSTOMER_TICKETS = 10_000;

/** `ARRAY[count in bucket 1, …]` over a seconds expression, as the rollup's histograms. */
function bucketsSql(seconds: string): string {
  const parts = STATS_BUCKET_SECONDS.map(
    (bound, i) =>
      `count(*) FILTER (WHERE ${seconds} ${i ? `> ${STATS_BUCKET_SECONDS[i - 1]} AND ${seconds} <=` : '<='} ${bound})::int`,
  );
  parts.push(`count(*) FILTER (WHERE ${seconds} > ${STATS_BUCKET_SECONDS[STATS_BUCKET_SECONDS.length - 1]})::int`);
  return `ARRAY[${parts.join(', ')}]`;
}

/**
 * What a year of rollups would have left: staff history (a reply per answered ticket, a status
 * change per solved one, by the assignee), the three statistics tables, and one customer with
 * 10,000 tickets. Once per database (BENCH_DB reuses it).
 */
async function seedReports(pg: Client): Promise<void> {
  const { rows } = await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM ticket_stats_daily');
  if ((rows[0]?.n ?? 0) > 0) return;
  await pg.query('SET session_replication_role = replica');
  await timed(`a customer with ${BIG_CUSTOMER_TICKETS.toLocaleString('en')} tickets`, async () => {
    await pg.query(`INSERT INTO contacts (email, name, company) VALUES ($1, 'Big Customer', 'Company 7')`, [
      BIG_CUSTOMER,
    ]);
    await pg.query(
      `UPDATE contacts SET organisation_id = (SELECT id FROM organisations WHERE name = 'Company 7') WHERE email = $1`,
      [BIG_CUSTOMER],
    );
    await pg.query(
      `INSERT INTO tickets (subject, status, channel, contact_id, group_id, created_at, updated_at, last_message_at)
       SELECT 'Order ' || i,
         (CASE WHEN i % 10 = 0 THEN 'open' WHEN i % 10 = 1 THEN 'pending' ELSE 'closed' END)::ticket_status,
         'email', c.id, (SELECT id FROM groups ORDER BY name OFFSET i % 4 LIMIT 1),
         now() - (i::float / $2::int) * interval '365 days', now() - (i::float / $2::int) * interval '365 days',
         now() - (i::float / $2::int) * interval '365 days'
       FROM contacts c, generate_series(1, $2::int) i WHERE c.email = $1`,
      [BIG_CUSTOMER, BIG_CUSTOMER_TICKETS],
    );
  });
  await timed('staff history (replies, status changes)', async () => {
    await pg.query(`INSERT INTO history_events (ticket_id, actor_type, actor_id, type, field, new_value, created_at)
      SELECT m.ticket_id, 'user', m.author_user_id, 'reply_queued', 'message', m.id::text, m.created_at
        FROM messages m WHERE m.direction = 'out' AND m.author_user_id IS NOT NULL`);
    await pg.query(`INSERT INTO history_events (ticket_id, actor_type, actor_id, type, field, old_value, new_value, created_at)
      SELECT t.id, 'user', t.assignee_id, 'field_changed', 'status', 'open', t.status::text, t.updated_at
        FROM tickets t WHERE t.assignee_id IS NOT NULL AND t.status IN ('solved', 'closed')`);
  });
  await timed('statistics tables', async () => {
    const timesSql = `extract(epoch FROM t.first_response_at - t.created_at) AS fr,
        CASE WHEN t.status IN ('solved', 'closed') THEN extract(epoch FROM t.updated_at - t.created_at) END AS res`;
    const durationsSql = `count(fr)::int, coalesce(sum(fr), 0)::bigint, ${bucketsSql('fr')},
        count(res)::int, coalesce(sum(res), 0)::bigint, ${bucketsSql('res')}`;
    await pg.query(`INSERT INTO ticket_stats_daily (day, channel, mailbox_id, group_id, created, solved, reopened,
        first_response_count, first_response_seconds, first_response_buckets,
        resolution_count, resolution_seconds, resolution_buckets,
        first_response_due, first_response_breached, resolution_due, resolution_breached)
      SELECT day, channel, coalesce(mailbox_id, '${NIL_UUID}'), coalesce(group_id, '${NIL_UUID}'), count(*)::int,
        count(res)::int, (count(*) / 50)::int, ${durationsSql},
        count(*) FILTER (WHERE fr IS NOT NULL AND first_response_due_at IS NOT NULL)::int,
        count(*) FILTER (WHERE first_response_at > first_response_due_at)::int,
        count(*) FILTER (WHERE res IS NOT NULL AND resolution_due_at IS NOT NULL)::int,
        count(*) FILTER (WHERE res IS NOT NULL AND updated_at > resolution_due_at)::int
      FROM (SELECT t.*, (t.created_at AT TIME ZONE 'UTC')::date AS day, ${timesSql} FROM tickets t) s
      GROUP BY day, channel, mailbox_id, group_id`);
    await pg.query(`INSERT INTO ticket_stats_agent_daily (day, agent_id, replies, solved,
        first_response_count, first_response_seconds, first_response_buckets,
        resolution_count, resolution_seconds, resolution_buckets)
      SELECT day, assignee_id, count(*) FILTER (WHERE number % 2 = 0)::int, count(res)::int, ${durationsSql}
      FROM (SELECT t.*, (t.created_at AT TIME ZONE 'UTC')::date AS day, ${timesSql} FROM tickets t
             WHERE t.assignee_id IS NOT NULL) s
      GROUP BY day, assignee_id`);
    await pg.query(`INSERT INTO ticket_stats_org_daily (day, organisation_id, created, solved)
      SELECT (t.created_at AT TIME ZONE 'UTC')::date, coalesce(c.organisation_id, '${NIL_UUID}'), count(*)::int,
        count(*) FILTER (WHERE t.status IN ('solved', 'closed'))::int
      FROM tickets t JOIN contacts c ON c.id = t.contact_id GROUP BY 1, 2`);
    // The rollup would start after this history; its first-response markers are not written, so
    // no rollup may run on this database (none does: the benchmark starts no worker).
    await pg.query(`INSERT INTO stats_watermarks (name, last_history_id)
      SELECT 'ticket_stats', coalesce(max(id), 0) FROM history_events
      ON CONFLICT (name) DO UPDATE SET last_history_id = EXCLUDED.last_history_id`);
  });
  await timed('VACUUM ANALYZE', () => pg.query('VACUUM ANALYZE'));
  await pg.query('SET session_replication_role = DEFAULT');
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const daysAgo = (n: number) => day(new Date(Date.now() - n * 86_400_000));
const previous = (from: string, to: string) => {
  const length = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  return [day(new Date(Date.parse(from) - length * 86_400_000)), day(new Date(Date.parse(from) - 86_400_000))];
};

async function main(): Promise<void> {
  log(`Reports benchmark: ${TICKETS.toLocaleString('en')} tickets, ${RUNS} samples per case`);
  const database = await benchDatabase();
  const redis = createTestRedis('bench');
  try {
    const desk = await startDesk(database, redis);
    const { app, base, supervisor, pg } = desk;
    await seedCustomers(database.url);
    await seedReports(pg);
    const actor: StaffActor = { id: supervisor.id, role: UserRole.Supervisor, name: supervisor.name };
    const cookie = await desk.login(supervisor.email);
    const [counts] = (
      await pg.query<{ history: string; daily: string; agents: string; orgs: string }>(
        `SELECT (SELECT count(*) FROM history_events)::text AS history, (SELECT count(*) FROM ticket_stats_daily)::text AS daily,
                (SELECT count(*) FROM ticket_stats_agent_daily)::text AS agents, (SELECT count(*) FROM ticket_stats_org_daily)::text AS orgs`,
      )
    ).rows;
    log(
      `history events ${counts?.history}; statistics rows: daily ${counts?.daily}, per agent ${counts?.agents}, per organisation ${counts?.orgs}`,
    );
    const [big] = (await pg.query<{ id: string }>('SELECT id FROM contacts WHERE email = $1', [BIG_CUSTOMER])).rows;
    if (!big) throw new Error('no big customer');
    const [group2] = (await pg.query<{ id: string }>(`SELECT id FROM groups WHERE name = 'Group 2'`)).rows;
    const busiest = desk.agents[0]?.id ?? supervisor.id;

    const run = (sql: string, values: unknown[]) => pg.query(sql, values);
    const labels = async (table: string, sql: string, values: unknown[]) => {
      const ids = (await pg.query<{ key: string }>(sql, values)).rows.map((r) => r.key).filter((k) => k !== 'none');
      return () => run(`SELECT id::text, name FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]);
    };
    const reportCase = async (name: string, path: string, from: string, to: string, by: string) => {
      const [pFrom, pTo] = previous(from, to);
      let bare: () => Promise<unknown>;
      if (path.startsWith('volume')) {
        const split = (new URLSearchParams(path.split('?')[1]).get('split') ?? 'none') as 'none';
        bare = async () => {
          await run(REPORT_SQL.volume(split), [from, to, by]);
          await run(REPORT_SQL.volume('none'), [pFrom, pTo, by]);
        };
      } else if (path.startsWith('backlog')) {
        bare = async () => {
          await run(REPORT_SQL.backlogBase, [from]);
          await run(REPORT_SQL.backlogDays, [from, to]);
        };
      } else if (path.startsWith('agents')) {
        const names = await labels('users', REPORT_SQL.agents, [from, to, by]);
        bare = async () => {
          await run(REPORT_SQL.agents, [from, to, by]);
          await run(REPORT_SQL.agents, [pFrom, pTo, by]);
          await names();
        };
      } else {
        const names = await labels('organisations', REPORT_SQL.organisations, [from, to]);
        bare = async () => {
          await run(REPORT_SQL.organisations, [from, to]);
          await run(REPORT_SQL.organisations, [pFrom, pTo]);
          await names();
        };
      }
      const sep = path.includes('?') ? '&' : '?';
      return { name, url: `/api/reports/${path}${sep}from=${from}&to=${to}&by=${by}`, bare };
    };
    const activity = app.get(ActivityService);
    const activityCase = (name: string, filter: Record<string, string>) => {
      const q = { from: daysAgo(6), to: daysAgo(0), ...filter };
      const { sql, values } = activity.sql(activity.parse(q), actor);
      return { name, url: `/api/activity?${new URLSearchParams(q).toString()}`, bare: () => run(sql, values) };
    };
    const customers = app.get(CustomerQueryService);
    const tickets = app.get(TicketQueryService);
    const customerHeader = async () => {
      for (const { sql, values } of customers.detailQueries(big.id, actor)) await run(sql, values);
    };
    const list = tickets.listQuery({ contact: big.id, sort: 'created', limit: 25 }, actor);

    const cases: Array<{ name: string; url: string; bare: () => Promise<unknown> }> = [
      await reportCase('volume, 30 days per day', 'volume', daysAgo(29), daysAgo(0), 'day'),
      await reportCase(
        'volume, a year per week, split by group',
        'volume?split=group',
        daysAgo(364),
        daysAgo(0),
        'week',
      ),
      await reportCase(
        'volume, a year per month, split by channel',
        'volume?split=channel',
        daysAgo(364),
        daysAgo(0),
        'month',
      ),
      await reportCase('backlog, 90 days per day', 'backlog', daysAgo(89), daysAgo(0), 'day'),
      await reportCase('backlog, a year per week', 'backlog', daysAgo(364), daysAgo(0), 'week'),
      await reportCase('agents, 90 days per week', 'agents', daysAgo(89), daysAgo(0), 'week'),
      await reportCase('organisations, a year', 'organisations', daysAgo(364), daysAgo(0), 'month'),
      activityCase('activity, last 7 days', {}),
      activityCase('activity, one agent', { agent: busiest }),
      activityCase('activity, one group', { group: group2?.id ?? '' }),
      activityCase('activity, messages only', { kind: 'messages' }),
      {
        name: `customer page (${BIG_CUSTOMER_TICKETS.toLocaleString('en')} tickets): header`,
        url: `/api/contacts/${big.id}`,
        bare: customerHeader,
      },
      {
        name: `customer page (${BIG_CUSTOMER_TICKETS.toLocaleString('en')} tickets): first 25 requests`,
        url: `/api/contacts/${big.id}/tickets?limit=25`,
        bare: async () => {
          await customerHeader();
          await run(list.sql, list.values);
        },
      },
    ];

    const loadBefore = loadAverage();
    log(`\n${cpus().length} cores; load average (1, 5, 15 min) before measuring: ${loadBefore}`);
    const warmUpRounds = Number(process.env.BENCH_WARMUP ?? 50);
    for (let i = 0; i < warmUpRounds; i++)
      for (const c of cases) {
        const res = await getJson(desk.http, base, c.url, cookie);
        if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}`);
        await c.bare();
      }
    const header = ['case', 'API p50 ms', 'API p95 ms', 'SQL p50 ms', 'SQL p95 ms', 'p95 API/SQL', 'targets met'];
    const results: string[][] = [];
    log(`\n${header.join(' | ')}`);
    let allMet = true;
    for (const c of cases) {
      const [api, bare]: [Stats, Stats] = await samplePair(async () => {
        const res = await getJson(desk.http, base, c.url, cookie);
        if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}`);
      }, c.bare);
      const ratio = api.p95 / bare.p95;
      const ok = api.p95 <= 100 && ratio <= 3;
      allMet &&= ok;
      const row = [
        c.name,
        api.p50.toFixed(1),
        api.p95.toFixed(1),
        bare.p50.toFixed(1),
        bare.p95.toFixed(1),
        `${ratio.toFixed(1)}×`,
        ok ? 'yes' : 'NO',
      ];
      results.push(row);
      log(row.join(' | '));
    }
    const table = markdownTable(header, results);
    const loadAfter = loadAverage();
    log(`load average after measuring: ${loadAfter}`);
    const verdict = `${allMet ? 'All targets met' : 'Some targets missed'} (p95 ≤ 100 ms and ≤ 3× bare SQL).`;
    log(`\n${verdict}`);
    await desk.close();

    const env = [
      process.env.BENCH_TICKETS ? `BENCH_TICKETS=${TICKETS}` : '',
      process.env.BENCH_RUNS ? `BENCH_RUNS=${RUNS}` : '',
      process.env.BENCH_WARMUP ? `BENCH_WARMUP=${warmUpRounds}` : '',
    ].filter(Boolean);
    const block = [
      '',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`${[...env, 'npm run bench:reports'].join(' ')}\``,
      `(${TICKETS.toLocaleString('en')} tickets, ${RUNS} samples per case) on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'},`,
      `Node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before measuring and ${loadAfter} after.`,
      `History events ${counts?.history}; statistics rows: daily ${counts?.daily}, per agent ${counts?.agents}, per organisation ${counts?.orgs}.`,
      '',
      ...table,
      '',
      verdict,
      '',
    ].join('\n');
    if (process.env.BENCH_WRITE !== '0')
      writeBenchBlock(join(__dirname, '..', 'BENCHMARKS.md'), 'reports', 'Reports (issue 11)', block);
  } finally {
    await redis.drop();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
