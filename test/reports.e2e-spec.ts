import { UserRole } from '@app/database';
import { StatsRollupService } from '@app/privacy';
import { api, createGroup, createTicket, staff, type StaffSession } from './support/inbox-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

const NIL = '00000000-0000-0000-0000-000000000000';
// The stored histogram's bucket bounds, written out here so the expectations do not come from the code under test.
const BOUNDS = [300, 900, 3600, 14_400, 28_800, 86_400, 259_200, 604_800, 2_592_000];

interface Ticket {
  day: string;
  channel: 'email' | 'form';
  firstResponse: number | null;
  resolution: number | null;
}

/** Nearest-rank quantile of raw durations, reported as the bound of the bucket it falls in. */
function expectedQuantile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
  return BOUNDS.find((b) => v <= b) ?? null;
}

/**
 * Reports (issue 11) from ticket_stats_daily. The data set is a list of tickets with known days,
 * channels and durations; the test writes their statistics rows and computes every expected
 * figure from the list itself.
 */
describe('reports API', () => {
  let app: TestApp;
  let supervisor: StaffSession;
  let agent: StaffSession;
  // 10 tickets in November 1–7 (the period), 4 in October 25–31 (the previous one).
  const tickets: Ticket[] = [
    { day: '2026-11-01', channel: 'email', firstResponse: 120, resolution: 3000 },
    { day: '2026-11-01', channel: 'form', firstResponse: 600, resolution: 7200 },
    { day: '2026-11-02', channel: 'email', firstResponse: 1800, resolution: 20_000 },
    { day: '2026-11-02', channel: 'email', firstResponse: 250, resolution: null },
    { day: '2026-11-03', channel: 'form', firstResponse: 4000, resolution: 90_000 },
    { day: '2026-11-04', channel: 'email', firstResponse: 200, resolution: 400 },
    { day: '2026-11-05', channel: 'email', firstResponse: 100_000, resolution: 300_000 },
    { day: '2026-11-06', channel: 'form', firstResponse: null, resolution: null },
    { day: '2026-11-07', channel: 'email', firstResponse: 60, resolution: 1000 },
    { day: '2026-11-07', channel: 'form', firstResponse: 700, resolution: 5000 },
    { day: '2026-10-25', channel: 'email', firstResponse: 30, resolution: 100 },
    { day: '2026-10-28', channel: 'email', firstResponse: 300, resolution: 1000 },
    { day: '2026-10-31', channel: 'form', firstResponse: 5000, resolution: null },
    { day: '2026-10-31', channel: 'form', firstResponse: 50, resolution: 200 },
  ];
  const inPeriod = (t: Ticket) => t.day >= '2026-11-01' && t.day <= '2026-11-07';

  beforeAll(async () => {
    app = await startTestApp();
    supervisor = await staff(app, UserRole.Supervisor, 'Sam Supervisor');
    agent = await staff(app, UserRole.Agent, 'Alex Agent');
    // One statistics row per ticket (the rollup keys by day, channel, mailbox, group; the report must sum them).
    for (const [i, t] of tickets.entries()) {
      const histogram = (v: number | null) =>
        Array.from({ length: BOUNDS.length + 1 }, (_, k) =>
          v !== null && (BOUNDS.findIndex((b) => v <= b) === -1 ? BOUNDS.length : BOUNDS.findIndex((b) => v <= b)) === k
            ? 1
            : 0,
        );
      const group = `00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`;
      await app.dataSource.query(
        `INSERT INTO ticket_stats_daily (day, channel, mailbox_id, group_id, created, solved, reopened,
           first_response_count, first_response_seconds, first_response_buckets,
           resolution_count, resolution_seconds, resolution_buckets)
         VALUES ($1, $2, $3, $4, 1, $5, 0, $6, $7, $8, $9, $10, $11)`,
        [
          t.day,
          t.channel,
          NIL,
          group,
          t.resolution === null ? 0 : 1,
          t.firstResponse === null ? 0 : 1,
          t.firstResponse ?? 0,
          histogram(t.firstResponse),
          t.resolution === null ? 0 : 1,
          t.resolution ?? 0,
          histogram(t.resolution),
        ],
      );
    }
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 403 to agents and 400 to a bad range', async () => {
    expect((await api(app, agent)('GET', '/api/reports/volume?from=2026-11-01&to=2026-11-07')).status).toBe(403);
    expect((await api(app, agent)('GET', '/api/reports/volume.csv?from=2026-11-01&to=2026-11-07')).status).toBe(403);
    for (const q of [
      'from=2026-11-07&to=2026-11-01',
      'from=yesterday&to=2026-11-01',
      'from=2026-11-01&to=2026-11-02&by=year',
    ])
      expect((await api(app, supervisor)('GET', `/api/reports/volume?${q}`)).status).toBe(400);
  });

  it('matches figures computed from the data set: totals, medians and p90, previous period, per-channel days', async () => {
    const res = await api(app, supervisor)(
      'GET',
      '/api/reports/volume?from=2026-11-01&to=2026-11-07&by=day&split=channel',
    );
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      rows: Array<{ period: string; key: string; created: number; solved: number }>;
      totals: {
        created: number;
        solved: number;
        firstResponse: { count: number; meanSeconds: number; medianSeconds: number; p90Seconds: number };
        resolution: { count: number; medianSeconds: number; p90Seconds: number | null };
      };
      previous: {
        from: string;
        to: string;
        totals: { created: number; solved: number; firstResponse: { medianSeconds: number } };
      };
    };
    const now = tickets.filter(inPeriod);
    const before = tickets.filter((t) => !inPeriod(t));
    const fr = now.flatMap((t) => (t.firstResponse === null ? [] : [t.firstResponse]));
    const resolution = now.flatMap((t) => (t.resolution === null ? [] : [t.resolution]));
    expect(report.totals.created).toBe(now.length);
    expect(report.totals.solved).toBe(resolution.length);
    expect(report.totals.firstResponse).toEqual({
      count: fr.length,
      meanSeconds: Math.round(fr.reduce((a, b) => a + b, 0) / fr.length),
      medianSeconds: expectedQuantile(fr, 0.5),
      p90Seconds: expectedQuantile(fr, 0.9),
    });
    expect(report.totals.resolution.medianSeconds).toBe(expectedQuantile(resolution, 0.5));
    expect(report.totals.resolution.p90Seconds).toBe(expectedQuantile(resolution, 0.9));
    expect(report.previous.from).toBe('2026-10-25');
    expect(report.previous.to).toBe('2026-10-31');
    expect(report.previous.totals.created).toBe(before.length);
    expect(report.previous.totals.solved).toBe(before.filter((t) => t.resolution !== null).length);
    expect(report.previous.totals.firstResponse.medianSeconds).toBe(
      expectedQuantile(
        before.flatMap((t) => (t.firstResponse === null ? [] : [t.firstResponse])),
        0.5,
      ),
    );
    // Per day and channel: every day of the period has a row for each channel, zero where none came.
    const expectedRows = new Map<string, number>();
    for (let d = 1; d <= 7; d++)
      for (const channel of ['email', 'form']) expectedRows.set(`2026-11-0${d} ${channel}`, 0);
    for (const t of now)
      expectedRows.set(`${t.day} ${t.channel}`, (expectedRows.get(`${t.day} ${t.channel}`) ?? 0) + 1);
    expect(new Map(report.rows.map((r) => [`${r.period} ${r.key}`, r.created]))).toEqual(expectedRows);
  });

  it('folds days into weeks (Monday first) and months, and exports CSV with an audit entry', async () => {
    const weeks = (await (
      await api(app, supervisor)('GET', '/api/reports/volume?from=2026-10-25&to=2026-11-07&by=week')
    ).json()) as { rows: Array<{ period: string; created: number }> };
    const weekOf = (day: string) => {
      const d = new Date(`${day}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
      return d.toISOString().slice(0, 10);
    };
    const expected = new Map<string, number>();
    for (const t of tickets) expected.set(weekOf(t.day), (expected.get(weekOf(t.day)) ?? 0) + 1);
    expect(new Map(weeks.rows.map((r) => [r.period, r.created]))).toEqual(expected);

    const csv = await api(app, supervisor)('GET', '/api/reports/volume.csv?from=2026-10-01&to=2026-11-30&by=month');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^period,key,created,solved,reopened,reopen_rate,first_response_count/);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      `2026-10-01,all,${tickets.filter((t) => t.day < '2026-11-01').length}`,
      `2026-11-01,all,${tickets.filter((t) => t.day >= '2026-11-01').length}`,
    ]);
    const [audit] = await app.dataSource.query<Array<{ actor_id: string; details: { rows: number } }>>(
      `SELECT actor_id, details FROM audit_log WHERE action = 'export.report'`,
    );
    expect(audit).toEqual(
      expect.objectContaining({ actor_id: supervisor.id, details: expect.objectContaining({ rows: 2 }) }),
    );
  });
});

const H = 3600;
type Agent = 'ann' | 'bob';

/** One ticket of the rollup data set: times in seconds after it was created. */
interface Seed {
  at: string;
  org: 'Acme' | 'Globex' | null;
  group: 'A' | 'B';
  responder: Agent | null;
  fr: number | null;
  frDue: number | null;
  solver: Agent | null;
  res: number | null;
  resDue: number | null;
  reopenAfter?: number;
  replies: number;
}

/**
 * Reports computed by the real rollup (issue 11): tickets and their history are written with the
 * agents, groups, organisations and times below; the rollup folds them into the statistics tables;
 * every figure the API answers is computed here again from this list alone.
 */
describe('reports from the rollup: agents, backlog, SLA, reopen rate, organisations, activity', () => {
  let app: TestApp;
  let supervisor: StaffSession;
  let outsider: StaffSession;
  const agents = {} as Record<Agent, StaffSession>;
  const groups = {} as Record<'A' | 'B', string>;
  const seeds: Seed[] = [
    // The range: 2026-09-01 … 2026-09-04 (nothing happens on the 3rd).
    {
      at: '2026-09-01T09:00:00Z',
      org: 'Acme',
      group: 'A',
      responder: 'ann',
      fr: 600,
      frDue: H,
      solver: 'ann',
      res: 5 * H,
      resDue: 8 * H,
      replies: 2,
    },
    {
      at: '2026-09-01T10:00:00Z',
      org: 'Acme',
      group: 'B',
      responder: 'bob',
      fr: 2 * H,
      frDue: H,
      solver: 'bob',
      res: 30 * H,
      resDue: 24 * H,
      reopenAfter: 2 * H,
      replies: 1,
    },
    {
      at: '2026-09-02T08:00:00Z',
      org: 'Globex',
      group: 'A',
      responder: 'ann',
      fr: 200,
      frDue: null,
      solver: null,
      res: null,
      resDue: null,
      replies: 3,
    },
    {
      at: '2026-09-02T10:00:00Z',
      org: null,
      group: 'B',
      responder: 'bob',
      fr: 5 * H,
      frDue: 4 * H,
      solver: 'ann',
      res: 6 * H,
      resDue: null,
      replies: 1,
    },
    {
      at: '2026-09-04T07:00:00Z',
      org: 'Acme',
      group: 'A',
      responder: null,
      fr: null,
      frDue: H,
      solver: null,
      res: null,
      resDue: null,
      replies: 0,
    },
    {
      at: '2026-09-04T09:00:00Z',
      org: 'Globex',
      group: 'A',
      responder: 'ann',
      fr: 900,
      frDue: H,
      solver: 'bob',
      res: 2 * H,
      resDue: 4 * H,
      replies: 1,
    },
    // The previous period: 2026-08-28 … 2026-08-31.
    {
      at: '2026-08-29T09:00:00Z',
      org: 'Acme',
      group: 'A',
      responder: 'bob',
      fr: 100,
      frDue: H,
      solver: 'bob',
      res: H,
      resDue: 8 * H,
      replies: 1,
    },
    {
      at: '2026-08-30T09:00:00Z',
      org: 'Globex',
      group: 'B',
      responder: 'ann',
      fr: 3 * H,
      frDue: H,
      solver: null,
      res: null,
      resDue: null,
      replies: 1,
    },
    // Long before: still open, so part of every backlog.
    {
      at: '2026-08-01T09:00:00Z',
      org: null,
      group: 'B',
      responder: null,
      fr: null,
      frDue: null,
      solver: null,
      res: null,
      resDue: null,
      replies: 0,
    },
  ];
  const FROM = '2026-09-01';
  const TO = '2026-09-04';
  const DAYS = ['2026-09-01', '2026-09-02', '2026-09-03', '2026-09-04'];
  const t0 = (s: Seed) => Date.parse(s.at);
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const inRange = (ms: number, from = FROM, to = TO) => dayOf(ms) >= from && dayOf(ms) <= to;
  const replyTimes = (s: Seed) => Array.from({ length: s.replies }, (_, i) => t0(s) + (s.fr ?? 0) * 1000 + i * 60_000);
  const solvedAt = (s: Seed) => (s.res === null ? null : t0(s) + s.res * 1000);
  const reopenedAt = (s: Seed) => (s.res === null || !s.reopenAfter ? null : t0(s) + (s.res + s.reopenAfter) * 1000);
  const respondedAt = (s: Seed) => (s.fr === null ? null : t0(s) + s.fr * 1000);
  const openAt = (ms: number) =>
    seeds.filter((s) => {
      if (t0(s) > ms) return false;
      const solved = solvedAt(s);
      const reopened = reopenedAt(s);
      return solved === null || solved > ms || (reopened !== null && reopened <= ms);
    }).length;
  const endOf = (day: string) => Date.parse(`${day}T23:59:59.999Z`);

  beforeAll(async () => {
    app = await startTestApp();
    supervisor = await staff(app, UserRole.Supervisor, 'Rita Supervisor');
    agents.ann = await staff(app, UserRole.Agent, 'Ann Agent');
    agents.bob = await staff(app, UserRole.Agent, 'Bob Agent');
    outsider = await staff(app, UserRole.Agent, 'Olga Outsider');
    groups.A = await createGroup(app, 'Group A', [agents.ann.id]);
    groups.B = await createGroup(app, 'Group B', [agents.bob.id]);
    const ds = app.dataSource;
    for (const [i, s] of seeds.entries()) {
      const ticket = await createTicket(app, { subject: `Seed ${i}`, groupId: groups[s.group], status: 'open' });
      const at = (seconds: number) => new Date(t0(s) + seconds * 1000);
      const [{ contact_id: contact }] = await ds.query<Array<{ contact_id: string }>>(
        `SELECT contact_id FROM tickets WHERE id = $1`,
        [ticket.id],
      );
      if (s.org) await ds.query(`UPDATE contacts SET company = $2 WHERE id = $1`, [contact, s.org]);
      const assignee = s.solver ?? s.responder;
      await ds.query(
        `UPDATE tickets SET created_at = $2, assignee_id = $3, first_response_at = $4, first_response_due_at = $5,
                resolution_due_at = $6 WHERE id = $1`,
        [
          ticket.id,
          at(0),
          assignee ? agents[assignee].id : null,
          s.fr === null ? null : at(s.fr),
          s.frDue === null ? null : at(s.frDue),
          s.resDue === null ? null : at(s.resDue),
        ],
      );
      const history = (
        actor: Agent | null,
        type: string,
        field: string | null,
        from: string | null,
        to: string | null,
        when: number,
      ) =>
        ds.query(
          `INSERT INTO history_events (ticket_id, actor_type, actor_id, type, field, old_value, new_value, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            ticket.id,
            actor ? 'user' : 'system',
            actor ? agents[actor].id : null,
            type,
            field,
            from,
            to,
            new Date(when),
          ],
        );
      await history(null, 'ticket_created', 'channel', null, 'email', t0(s));
      for (const when of replyTimes(s)) await history(s.responder, 'reply_queued', 'message', null, null, when);
      if (s.responder && s.fr !== null)
        await ds.query(
          `INSERT INTO messages (ticket_id, direction, author_user_id, body_text, delivery_status, sent_at, created_at)
           VALUES ($1, 'out', $2, 'Reply', 'sent', $3, $3)`,
          [ticket.id, agents[s.responder].id, at(s.fr)],
        );
      const solved = solvedAt(s);
      if (solved !== null) await history(s.solver, 'field_changed', 'status', 'new', 'solved', solved);
      const reopened = reopenedAt(s);
      if (reopened !== null) await history(null, 'field_changed', 'status', 'solved', 'open', reopened);
    }
    await app.app.get(StatsRollupService).rollup({ settleMs: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  const get = async <T>(who: StaffSession, path: string): Promise<T> => {
    const res = await api(app, who)('GET', path);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  const quantiles = (values: number[]) => ({
    medianSeconds: expectedQuantile(values, 0.5),
    p90Seconds: expectedQuantile(values, 0.9),
  });
  const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);

  it('gives every day a row (zeros included), SLA breach and reopen rates, and the previous period', async () => {
    const report = await get<{
      rows: Array<{ period: string; created: number; solved: number; reopened: number }>;
      totals: {
        created: number;
        solved: number;
        reopened: number;
        reopenRate: number | null;
        firstResponse: { medianSeconds: number | null; p90Seconds: number | null };
        sla: Record<string, number | null>;
      };
      previous: { totals: { created: number; solved: number; sla: Record<string, number | null> } };
    }>(supervisor, `/api/reports/volume?from=${FROM}&to=${TO}&by=day`);
    const count = (times: Array<number | null>, day: string) =>
      times.filter((t) => t !== null && dayOf(t) === day).length;
    expect(report.rows.map((r) => [r.period, r.created, r.solved, r.reopened])).toEqual(
      DAYS.map((d) => [d, count(seeds.map(t0), d), count(seeds.map(solvedAt), d), count(seeds.map(reopenedAt), d)]),
    );
    expect(report.rows.find((r) => r.period === '2026-09-03')).toMatchObject({ created: 0, solved: 0, reopened: 0 });

    const sla = (from: string, to: string) => {
      const responded = seeds.filter(
        (s) => respondedAt(s) !== null && inRange(respondedAt(s)!, from, to) && s.frDue !== null,
      );
      const resolved = seeds.filter(
        (s) => solvedAt(s) !== null && inRange(solvedAt(s)!, from, to) && s.resDue !== null,
      );
      const frBreached = responded.filter((s) => s.fr! > s.frDue!).length;
      const resBreached = resolved.filter((s) => s.res! > s.resDue!).length;
      return {
        firstResponseDue: responded.length,
        firstResponseBreached: frBreached,
        resolutionDue: resolved.length,
        resolutionBreached: resBreached,
        breachRate: rate(frBreached + resBreached, responded.length + resolved.length),
      };
    };
    expect(report.totals.sla).toEqual(sla(FROM, TO));
    expect(report.previous.totals.sla).toEqual(sla('2026-08-28', '2026-08-31'));
    const solved = seeds.filter((s) => solvedAt(s) !== null && inRange(solvedAt(s)!)).length;
    const reopened = seeds.filter((s) => reopenedAt(s) !== null && inRange(reopenedAt(s)!)).length;
    expect(report.totals.reopenRate).toBe(rate(reopened, solved));
    expect(report.totals.firstResponse).toMatchObject(
      quantiles(seeds.filter((s) => respondedAt(s) !== null && inRange(respondedAt(s)!)).map((s) => s.fr!)),
    );
    expect(report.previous.totals.created).toBe(seeds.filter((s) => inRange(t0(s), '2026-08-28', '2026-08-31')).length);
  });

  it('splits first-response and resolution median and p90 per group', async () => {
    const report = await get<{
      rows: Array<{ key: string; firstResponse: object; resolution: object }>;
    }>(supervisor, `/api/reports/volume?from=${FROM}&to=${TO}&by=month&split=group`);
    for (const g of ['A', 'B'] as const) {
      const row = report.rows.find((r) => r.key === groups[g]);
      const mine = seeds.filter((s) => s.group === g);
      expect(row?.firstResponse).toMatchObject(
        quantiles(mine.filter((s) => respondedAt(s) !== null && inRange(respondedAt(s)!)).map((s) => s.fr!)),
      );
      expect(row?.resolution).toMatchObject(
        quantiles(mine.filter((s) => solvedAt(s) !== null && inRange(solvedAt(s)!)).map((s) => s.res!)),
      );
    }
  });

  it('reports the backlog at the end of every day and of the previous period', async () => {
    const report = await get<{ rows: Array<{ period: string; open: number }>; previous: { open: number } }>(
      supervisor,
      `/api/reports/backlog?from=${FROM}&to=${TO}&by=day`,
    );
    expect(report.rows).toEqual(DAYS.map((d) => ({ period: d, open: openAt(endOf(d)) })));
    expect(report.previous.open).toBe(openAt(endOf('2026-08-31')));
    const weekly = await get<{ rows: Array<{ period: string; open: number }> }>(
      supervisor,
      `/api/reports/backlog?from=${FROM}&to=${TO}&by=week`,
    );
    // 2026-09-01 is a Tuesday: one week starting Monday 2026-08-31, open counted at the range's end.
    expect(weekly.rows).toEqual([{ period: '2026-08-31', open: openAt(endOf(TO)) }]);
  });

  it('reports replies, solved and times per agent, per day with zeros, with the previous period', async () => {
    type Figures = {
      replies: number;
      solved: number;
      firstResponse: { count: number };
      resolution: { count: number };
    };
    const report = await get<{
      agents: Array<{ id: string; name: string }>;
      rows: Array<Figures & { period: string; agentId: string }>;
      totals: Array<Figures & { agentId: string }>;
      previous: { totals: Array<Figures & { agentId: string }> };
    }>(supervisor, `/api/reports/agents?from=${FROM}&to=${TO}&by=day`);
    const expected = (who: Agent, from: string, to: string) => {
      const fr = seeds.filter(
        (s) => s.responder === who && respondedAt(s) !== null && inRange(respondedAt(s)!, from, to),
      );
      const res = seeds.filter((s) => s.solver === who && solvedAt(s) !== null && inRange(solvedAt(s)!, from, to));
      return {
        agentId: agents[who].id,
        replies: seeds
          .filter((s) => s.responder === who)
          .flatMap(replyTimes)
          .filter((t) => inRange(t, from, to)).length,
        solved: res.length,
        firstResponse: expect.objectContaining({ count: fr.length, ...quantiles(fr.map((s) => s.fr!)) }),
        resolution: expect.objectContaining({ count: res.length, ...quantiles(res.map((s) => s.res!)) }),
      };
    };
    for (const who of ['ann', 'bob'] as const) {
      expect(report.totals.find((t) => t.agentId === agents[who].id)).toEqual(expected(who, FROM, TO));
      expect(report.previous.totals.find((t) => t.agentId === agents[who].id)).toEqual(
        expected(who, '2026-08-28', '2026-08-31'),
      );
      expect(report.agents).toContainEqual({ id: agents[who].id, name: who === 'ann' ? 'Ann Agent' : 'Bob Agent' });
      // Every day has a row for the agent, an idle one with zeros.
      const days = report.rows.filter((r) => r.agentId === agents[who].id);
      expect(days.map((r) => r.period)).toEqual(DAYS);
      expect(days.find((r) => r.period === '2026-09-03')).toMatchObject({ replies: 0, solved: 0 });
    }
  });

  it('counts tickets per customer organisation, with the previous period', async () => {
    const report = await get<{
      rows: Array<{ name: string; created: number; solved: number; previousCreated: number }>;
    }>(supervisor, `/api/reports/organisations?from=${FROM}&to=${TO}`);
    const names = { Acme: 'Acme', Globex: 'Globex', none: 'no organisation' } as const;
    const expected = (['Acme', 'Globex', null] as const)
      .map((org) => ({
        name: names[org ?? 'none'],
        created: seeds.filter((s) => s.org === org && inRange(t0(s))).length,
        solved: seeds.filter((s) => s.org === org && solvedAt(s) !== null && inRange(solvedAt(s)!)).length,
        previousCreated: seeds.filter((s) => s.org === org && inRange(t0(s), '2026-08-28', '2026-08-31')).length,
      }))
      .filter((r) => r.created || r.solved);
    expect(
      report.rows.map(({ name, created, solved, previousCreated }) => ({ name, created, solved, previousCreated })),
    ).toEqual(expect.arrayContaining(expected));
    expect(report.rows).toHaveLength(expected.length);
  });

  it('exports every report as CSV with an audit entry; agents get 403 on reports and CSV', async () => {
    for (const name of ['backlog', 'agents', 'organisations']) {
      expect((await api(app, agents.ann)('GET', `/api/reports/${name}?from=${FROM}&to=${TO}`)).status).toBe(403);
      expect((await api(app, agents.ann)('GET', `/api/reports/${name}.csv?from=${FROM}&to=${TO}`)).status).toBe(403);
      const csv = await api(app, supervisor)('GET', `/api/reports/${name}.csv?from=${FROM}&to=${TO}&by=day`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect((await csv.text()).split('\n')[0]).toMatch(/^(period|organisation_id),/);
    }
    const audited = await app.dataSource.query<Array<{ target_id: string }>>(
      `SELECT target_id FROM audit_log WHERE action = 'export.report' AND actor_id = $1 ORDER BY created_at`,
      [supervisor.id],
    );
    expect(audited.map((a) => a.target_id)).toEqual(['backlog', 'agents', 'organisations']);
  });

  describe('activity view', () => {
    type Item = { id: string; agentId: string; reference: string; kind: string; type: string; groupId: string };
    // Every staff action in the range, from the data set: replies by the responder, solving by the solver.
    const actions = (filter: (s: Seed, who: Agent, type: string) => boolean = () => true) =>
      seeds.flatMap((s) => [
        ...replyTimes(s)
          .filter((t) => inRange(t) && s.responder && filter(s, s.responder, 'reply_queued'))
          .map(() => 'reply_queued'),
        ...(s.solver && solvedAt(s) !== null && inRange(solvedAt(s)!) && filter(s, s.solver, 'field_changed')
          ? ['field_changed']
          : []),
      ]).length;

    const all = async (who: StaffSession, query: string): Promise<Item[]> => {
      const items: Item[] = [];
      let cursor = '';
      for (;;) {
        const page = await get<{ items: Item[]; nextCursor: string | null }>(
          who,
          `/api/activity?from=${FROM}&to=${TO}&limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        items.push(...page.items);
        if (!page.nextCursor) return items;
        cursor = page.nextCursor;
      }
    };

    it('lists every staff change, newest first, keyset-paged without gaps or repeats', async () => {
      const items = await all(supervisor, '');
      expect(items).toHaveLength(actions());
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      const times = items.map((i) => (i as unknown as { at: string }).at);
      expect([...times].sort().reverse()).toEqual(times);
      expect(items.every((i) => /^T-\d+$/.test(i.reference))).toBe(true);
    });

    it('filters by agent, group and kind', async () => {
      const byAnn = await all(supervisor, `&agent=${agents.ann.id}`);
      expect(byAnn).toHaveLength(actions((_, who) => who === 'ann'));
      expect(byAnn.every((i) => i.agentId === agents.ann.id)).toBe(true);
      const inB = await all(supervisor, `&group=${groups.B}`);
      expect(inB).toHaveLength(actions((s) => s.group === 'B'));
      const messages = await all(supervisor, '&kind=messages');
      expect(messages).toHaveLength(actions((_, __, type) => type === 'reply_queued'));
      const changes = await all(supervisor, `&kind=changes&agent=${agents.bob.id}`);
      expect(changes).toHaveLength(actions((_, who, type) => who === 'bob' && type === 'field_changed'));
      expect((await api(app, supervisor)('GET', `/api/activity?from=${FROM}&to=${TO}&kind=gossip`)).status).toBe(400);
      expect((await api(app, supervisor)('GET', `/api/activity?from=${FROM}&to=${TO}&cursor=bad`)).status).toBe(400);
    });

    it('is for supervisors and admins only: agents, even members of the groups, get 403', async () => {
      for (const who of [agents.ann, outsider]) {
        expect((await api(app, who)('GET', `/api/activity?from=${FROM}&to=${TO}`)).status).toBe(403);
        expect((await api(app, who)('GET', `/api/activity/export.csv?from=${FROM}&to=${TO}`)).status).toBe(403);
      }
    });

    it('exports the filtered activity as CSV, audited with the filter and row count', async () => {
      const res = await api(app, supervisor)(
        'GET',
        `/api/activity/export.csv?from=${FROM}&to=${TO}&agent=${agents.bob.id}`,
      );
      expect(res.status).toBe(200);
      const lines = (await res.text()).trim().split('\n');
      expect(lines[0]).toBe('at,agent_id,ticket,kind,type,field,old_value,new_value');
      const expected = actions((_, who) => who === 'bob');
      expect(lines).toHaveLength(expected + 1);
      expect(lines.slice(1).every((l) => l.split(',')[1] === agents.bob.id)).toBe(true);
      const [audit] = await app.dataSource.query<Array<{ details: Record<string, unknown> }>>(
        `SELECT details FROM audit_log WHERE action = 'export.activity'`,
      );
      expect(audit?.details).toEqual({ from: FROM, to: TO, agent: agents.bob.id, rows: expected });
    });
  });
});
