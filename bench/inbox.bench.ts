// Agent inbox benchmark (issue 5): seeds 1,000,000 tickets with one or two messages each into a
// fresh database with plain SQL, then times the inbox API (HTTP, session, JSON) for the main
// views and a search next to the same SQL statements run bare over one pg connection.
// Issue 11 adds the search box's customer-aware searches (address, name, organisation, bare
// number) and the customer search over the 200,000 contacts, every tenth with a company.
// Run: npm run bench:inbox   (env BENCH_TICKETS to change the size, BENCH_RUNS the samples,
// BENCH_WARMUP the rounds over every case before timing;
// BENCH_DB=name keeps the seeded database under that name and reuses it on the next run, applying
// any new migrations to it first: seeding a million tickets takes minutes; BENCH_PROFILE=file saves
// a CPU profile of the measuring phase)
import { CustomerQueryService } from '@app/customers';
import { UserRole } from '@app/database';
import { createTestRedis } from '@app/testing';
import { TicketQueryService, type StaffActor } from '@app/tickets';
import { cpus } from 'node:os';
import {
  benchDatabase,
  getJson,
  loadAverage,
  log,
  RUNS,
  samplePair,
  seedCustomers,
  startDesk,
  TICKETS,
  type Stats,
} from './bench-kit';
import { startProfile } from './profile';

async function main(): Promise<void> {
  log(`Agent inbox benchmark: ${TICKETS.toLocaleString('en')} tickets, ${RUNS} samples per case`);
  const database = await benchDatabase();
  const redis = createTestRedis('bench');
  try {
    const desk = await startDesk(database, redis);
    const { app, base, supervisor, agent } = desk;
    const pgc = desk.pg;
    await seedCustomers(database.url);

    const cookies = { supervisor: await desk.login(supervisor.email), agent: await desk.login(agent.email) };
    const agentPool = desk.http;
    const actors: Record<'supervisor' | 'agent', StaffActor> = {
      supervisor: { id: supervisor.id, role: UserRole.Supervisor, name: supervisor.name },
      agent: { id: agent.id, role: UserRole.Agent, name: agent.name },
    };
    const queries = app.get(TicketQueryService);

    const cases: Array<{ name: string; who: 'supervisor' | 'agent'; query: Record<string, string> }> = [
      { name: 'all open', who: 'supervisor', query: { view: 'open' } },
      { name: 'unassigned', who: 'supervisor', query: { view: 'unassigned' } },
      { name: 'my open (agent, group-scoped)', who: 'agent', query: { view: 'mine' } },
      { name: 'all open (agent, group-scoped)', who: 'agent', query: { view: 'open' } },
      { name: 'pending', who: 'supervisor', query: { view: 'pending' } },
      { name: 'solved', who: 'supervisor', query: { view: 'solved' } },
      { name: 'open, sorted by SLA due', who: 'supervisor', query: { view: 'open', sort: 'due' } },
      { name: 'open, tag vip', who: 'supervisor', query: { view: 'open', tag: 'vip' } },
      { name: 'search "printer invoice"', who: 'supervisor', query: { view: 'all', q: 'printer invoice' } },
      { name: 'search "warr" (prefix)', who: 'supervisor', query: { view: 'open', q: 'warr' } },
      // Issue 11: the search box looks through every ticket the user may see, customers included.
      { name: 'search by address', who: 'supervisor', query: { view: 'all', q: 'customer4242@example.org' } },
      {
        name: 'search by address (agent, group-scoped)',
        who: 'agent',
        query: { view: 'all', q: 'customer4242@example.org' },
      },
      { name: 'search by name "Customer 4242"', who: 'supervisor', query: { view: 'all', q: 'Customer 4242' } },
      { name: 'search by organisation "Company 1234"', who: 'supervisor', query: { view: 'all', q: 'Company 1234' } },
      {
        name: 'search by bare number',
        who: 'supervisor',
        query: { view: 'all', q: String(10_000 + Math.floor(TICKETS / 2)) },
      },
    ];
    // The list's statements run bare: the customer lookup of a search (issue 11), then the page.
    const bareList = async (query: Record<string, string>, who: 'supervisor' | 'agent') => {
      const match = queries.contactMatchQuery(query);
      const contacts = match
        ? (await pgc.query<{ id: string }>(match.sql, match.values)).rows.map((r) => r.id)
        : undefined;
      const { sql, values } = queries.listQuery(query, actors[who], contacts);
      await pgc.query(sql, values);
    };
    const rows: string[] = [];
    const verdicts: boolean[] = [];
    const record = (name: string, api: Stats, bare: Stats) => {
      const ratio = api.p95 / bare.p95;
      const ok = api.p95 <= 50 && ratio <= 3;
      verdicts.push(ok);
      rows.push(
        `| ${name} | ${api.p50.toFixed(1)} | ${api.p95.toFixed(1)} | ${bare.p50.toFixed(1)} | ${bare.p95.toFixed(1)} | ${ratio.toFixed(1)}× | ${ok ? 'yes' : 'NO'} |`,
      );
      log(rows[rows.length - 1]);
    };
    const load = loadAverage;
    log(`\n${cpus().length} cores; load average (1, 5, 15 min) before measuring: ${load()}`);
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
    log('\n| case | API p50 ms | API p95 ms | SQL p50 ms | SQL p95 ms | p95 API/SQL | targets met |');
    log('|---|---|---|---|---|---|---|');
    // Steady state: JIT-compile the whole request path (HTTP, Express, Nest, pg, JSON) before the
    // first case is timed; otherwise the first case measured paid for everyone's warm-up.
    const warmUpRounds = Number(process.env.BENCH_WARMUP ?? 100);
    for (let i = 0; i < warmUpRounds; i++) {
      for (const c of cases) {
        const res = await getJson(
          agentPool,
          base,
          `/api/tickets?${new URLSearchParams(c.query).toString()}`,
          cookies[c.who],
        );
        if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}`);
        await bareList(c.query, c.who);
      }
    }
    for (const c of cases) {
      const qs = new URLSearchParams(c.query).toString();
      const [api, bare] = await samplePair(
        async () => {
          const res = await getJson(agentPool, base, `/api/tickets?${qs}`, cookies[c.who]);
          if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status}`);
        },
        () => bareList(c.query, c.who),
      );
      record(c.name, api, bare);
    }
    // Page 20 of all open, reached by following cursors: keyset pages cost what page 1 costs.
    let cursor = '';
    for (let i = 0; i < 19; i++) {
      const res = await getJson(
        agentPool,
        base,
        `/api/tickets?view=open${cursor ? `&cursor=${cursor}` : ''}`,
        cookies.supervisor,
      );
      cursor = (res.body as { nextCursor: string }).nextCursor;
    }
    {
      const { sql, values } = queries.listQuery({ view: 'open', cursor }, actors.supervisor);
      const [api, bare] = await samplePair(
        async () => {
          const res = await getJson(agentPool, base, `/api/tickets?view=open&cursor=${cursor}`, cookies.supervisor);
          if (res.status !== 200) throw new Error(`page 20: HTTP ${res.status}`);
        },
        () => pgc.query(sql, values),
      );
      record('all open, page 20 (keyset)', api, bare);
    }
    for (const who of ['supervisor', 'agent'] as const) {
      const { sql, values } = queries.countsQuery(actors[who]);
      const [api, bare] = await samplePair(
        async () => {
          const res = await getJson(agentPool, base, '/api/views', cookies[who]);
          if (res.status !== 200) throw new Error(`view counts: HTTP ${res.status}`);
        },
        () => pgc.query(sql, values),
      );
      record(`view counts (${who})`, api, bare);
    }
    // Issue 11: the customers listed above the tickets.
    const customers = app.get(CustomerQueryService);
    for (const [label, who, q] of [
      ['customer search by address', 'supervisor', 'customer4242@'],
      ['customer search by address (agent)', 'agent', 'customer4242@'],
      ['customer search by organisation', 'supervisor', 'Company 1234'],
    ] as const) {
      const query = customers.searchQuery(q, actors[who], 5);
      if (!query) throw new Error(`${label}: no query`);
      const path = `/api/contacts?limit=5&q=${encodeURIComponent(q)}`;
      const [api, bare] = await samplePair(
        async () => {
          const res = await getJson(agentPool, base, path, cookies[who]);
          if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status}`);
        },
        () => pgc.query(query.sql, query.values),
      );
      record(label, api, bare);
    }
    if (profiler) await profiler.stop(process.env.BENCH_PROFILE ?? 'inbox.cpuprofile');
    await desk.close();
    log(`load average after measuring: ${load()}`);
    log(`\n${verdicts.every(Boolean) ? 'All targets met' : 'Some targets missed'} (p95 ≤ 50 ms and ≤ 3× bare SQL).`);
  } finally {
    await redis.drop();
    await database.drop();
  }
}

process.on('exit', (c) => process.stderr.write(`exit ${c}\n`));
main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
