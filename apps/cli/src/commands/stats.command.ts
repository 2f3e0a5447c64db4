import { StatsRollupService } from '@app/privacy';
import { ReportError, ReportsService, type Durations } from '@app/reports';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable } from './output';
import { CommandGroup } from './command-group';

@SubCommand({ name: 'rollup', description: 'Fold new ticket history into the daily statistics now' })
export class StatsRollupCommand extends CommandRunner {
  constructor(private readonly stats: StatsRollupService) {
    super();
  }

  async run(): Promise<void> {
    // settleMs 0: an operator asking now wants everything committed so far.
    printJson(await this.stats.rollup({ settleMs: 0 }));
  }
}

const minutes = (d: Durations, key: 'medianSeconds' | 'p90Seconds') =>
  d[key] === null ? null : Math.round(d[key] / 60);

const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 1000) / 10);
const rateText = (rate: number | null) => (rate === null ? 'n/a' : `${percent(rate)}%`);

/** The Reports page's figures (issue 11) in the terminal: the same service, the same numbers. */
@SubCommand({
  name: 'show',
  description: 'Created, solved, reopened, first-response and resolution times, reopen and SLA breach rates per period',
})
export class StatsShowCommand extends CommandRunner {
  constructor(private readonly reports: ReportsService) {
    super();
  }

  async run(_: string[], options: { from?: string; to?: string; by?: string; json?: boolean }): Promise<void> {
    if (!options.from || !options.to) return fail('give --from and --to (YYYY-MM-DD)');
    try {
      const report = await this.reports.volume({ from: options.from, to: options.to, by: options.by ?? 'day' });
      if (options.json) return printJson(report);
      printTable(
        report.rows.map((r) => ({
          period: r.period,
          created: r.created,
          solved: r.solved,
          reopened: r.reopened,
          'first response median min': minutes(r.firstResponse, 'medianSeconds'),
          'first response p90 min': minutes(r.firstResponse, 'p90Seconds'),
          'resolution median min': minutes(r.resolution, 'medianSeconds'),
          'resolution p90 min': minutes(r.resolution, 'p90Seconds'),
          'reopen rate %': percent(r.reopenRate),
          'SLA breach %': percent(r.sla.breachRate),
        })),
      );
      const t = report.totals;
      const p = report.previous.totals;
      process.stdout.write(
        `total: created ${t.created}, solved ${t.solved}, reopened ${t.reopened}, reopen rate ${rateText(t.reopenRate)}, SLA breach rate ${rateText(t.sla.breachRate)}; previous period ${report.previous.from}..${report.previous.to}: created ${p.created}, solved ${p.solved}, reopened ${p.reopened}\n`,
      );
    } catch (error) {
      if (error instanceof ReportError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--from <day>', description: 'first day (YYYY-MM-DD)' })
  parseFrom(value: string): string {
    return value;
  }

  @Option({ flags: '--to <day>', description: 'last day (YYYY-MM-DD)' })
  parseTo(value: string): string {
    return value;
  }

  @Option({ flags: '--by <period>', description: 'day, week or month (default day)' })
  parseBy(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'stats',
  description: 'Non-personal ticket statistics',
  subCommands: [StatsRollupCommand, StatsShowCommand],
})
export class StatsCommand extends CommandGroup {}
