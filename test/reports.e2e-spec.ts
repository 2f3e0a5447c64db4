import { UserRole } from '@app/database';
import { api, staff, type StaffSession } from './support/inbox-fixtures';
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
    // Per day and channel.
    const expectedRows = new Map<string, number>();
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
    expect(lines[0]).toMatch(/^period,key,created,solved,reopened,first_response_count/);
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
