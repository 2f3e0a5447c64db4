import { Client } from 'pg';
import { cliHarness, type CliHarness } from './run-cli';

const NIL = '00000000-0000-0000-0000-000000000000';

/** `intake stats show` (issue 11): the Reports page's figures in the terminal. */
describe('intake stats show', () => {
  let cli: CliHarness;

  const run: CliHarness['run'] = (args, env) => cli.run(args, env);

  beforeAll(async () => {
    cli = await cliHarness('cli');
    const pg = new Client({ connectionString: cli.database.url });
    await pg.connect();
    for (const [day, channel, created, solved] of [
      ['2026-11-02', 'email', 3, 1],
      ['2026-11-02', 'form', 2, 2],
      ['2026-11-10', 'email', 4, 0],
      ['2026-10-30', 'email', 6, 6],
    ] as const)
      await pg.query(
        `INSERT INTO ticket_stats_daily (day, channel, mailbox_id, group_id, created, solved) VALUES ($1, $2, $3, $3, $4, $5)`,
        [day, channel, NIL, created, solved],
      );
    await pg.end();
  });
  afterAll(async () => {
    await cli.drop();
  });

  it('prints per-period figures and the previous period, as JSON too; bad input fails with one line', async () => {
    const json = await run(['stats', 'show', '--from', '2026-11-01', '--to', '2026-11-14', '--by', 'week', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      rows: Array<{ period: string; created: number; solved: number }>;
      previous: { totals: { created: number } };
    };
    // 2026-11-02 and 2026-11-10 fall in the weeks starting Monday 2026-11-02 and 2026-11-09; the week
    // holding Sunday 2026-11-01 has no data in the range (10-30 is before it) and shows as zeros.
    expect(report.rows.map((r) => [r.period, r.created, r.solved])).toEqual([
      ['2026-10-26', 0, 0],
      ['2026-11-02', 5, 3],
      ['2026-11-09', 4, 0],
    ]);
    expect(report.previous.totals.created).toBe(6);
    const text = await run(['stats', 'show', '--from', '2026-11-01', '--to', '2026-11-14']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^period\s+created\s+solved/);
    expect(text.stdout).toContain('total: created 9, solved 3, reopened 0, reopen rate 0%, SLA breach rate n/a;');
    const bad = await run(['stats', 'show', '--from', '2026-11-14', '--to', '2026-11-01']);
    expect(bad.code).not.toBe(0);
    // One clear line (after the CLI's note of which database it opened), no stack trace.
    expect(bad.stderr).toContain('error: to must not be before from');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
