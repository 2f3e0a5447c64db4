import {
  DATA_CLASSES,
  DataClass,
  PrivacyError,
  RetentionPolicyService,
  RetentionRunService,
  type RetentionPlan,
} from '@app/privacy';
import { SingleBar } from 'cli-progress';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable, printText } from './output';
import { CommandGroup } from './command-group';

interface RunOptions {
  dryRun?: boolean;
  json?: boolean;
  asOf?: Date;
}

@SubCommand({
  name: 'run',
  description: 'Apply the retention policies now; --dry-run lists exactly what a real run would remove or anonymise',
})
export class RetentionRunCommand extends CommandRunner {
  constructor(private readonly runs: RetentionRunService) {
    super();
  }

  async run(_: string[], options: RunOptions): Promise<void> {
    if (options.asOf && !options.dryRun) return fail('--as-of is only allowed with --dry-run');
    if (options.dryRun) {
      const plan = await this.runs.dryRun({ now: options.asOf });
      if (options.json) return printJson(plan);
      return printPlan(plan, 'would');
    }
    const bar = new SingleBar({
      format: 'retention [{bar}] {value}/{total} items',
      stream: process.stderr,
      hideCursor: true,
    });
    let started = false;
    const report = await this.runs.run({
      actor: 'cli',
      onProgress: (done, total) => {
        if (json(options)) return;
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
    });
    if (started) bar.stop();
    if (options.json) return printJson({ runId: report.runId, plan: report.plan, ...report.result });
    printPlan(report.plan, 'planned');
    printText(`\nrun ${report.runId}: done ${sum(report.result.done)}, skipped ${sum(report.result.skipped)}\n`);
  }

  @Option({ flags: '--dry-run', description: 'change nothing; print the plan' })
  parseDryRun(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print JSON (ids included)' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '--as-of <iso-date>', description: 'with --dry-run: what a run at that time would do' })
  parseAsOf(value: string): Date {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error('--as-of must be an ISO date');
    return date;
  }
}

@SubCommand({ name: 'show', description: 'Show the retention rules in force (global and per mailbox)' })
export class RetentionPolicyShowCommand extends CommandRunner {
  constructor(private readonly policies: RetentionPolicyService) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const policy = await this.policies.effective();
    if (options.json) return printJson(policy);
    printTable(
      Object.values(DataClass).map((c) => ({
        class: c,
        days: policy.global[c].days,
        action: policy.global[c].action,
        source: policy.global[c].source,
        what: DATA_CLASSES[c].description,
      })),
    );
    const overrides = Object.entries(policy.mailboxes).flatMap(([mailbox, rules]) =>
      Object.entries(rules).map(([c, r]) => ({ mailbox, class: c, days: r.days, action: r.action })),
    );
    if (overrides.length > 0) {
      printText('\nper-mailbox overrides\n');
      printTable(overrides);
    }
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'set',
  arguments: '<class> <days>',
  description:
    'Set a retention rule: intake retention policy set closed_ticket_content 60 [--action delete] [--mailbox <id>]',
})
export class RetentionPolicySetCommand extends CommandRunner {
  constructor(private readonly policies: RetentionPolicyService) {
    super();
  }

  async run([dataClass, days]: string[], options: { action?: string; mailbox?: string }): Promise<void> {
    try {
      const rule = await this.policies.set({
        dataClass: dataClass ?? '',
        days: Number(days),
        action: options.action,
        mailboxId: options.mailbox ?? null,
        actor: 'cli',
      });
      printText(`${dataClass}: ${rule.action} after ${rule.days} days (${rule.source})\n`);
    } catch (error) {
      if (error instanceof PrivacyError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--action <action>', description: 'delete | redact | anonymise | truncate (per class)' })
  parseAction(value: string): string {
    return value;
  }

  @Option({ flags: '--mailbox <id>', description: 'override for one mailbox (mailbox classes only)' })
  parseMailbox(value: string): string {
    return value;
  }
}

@SubCommand({ name: 'reset', arguments: '<class>', description: 'Remove a rule so the default (or global) applies' })
export class RetentionPolicyResetCommand extends CommandRunner {
  constructor(private readonly policies: RetentionPolicyService) {
    super();
  }

  async run([dataClass]: string[], options: { mailbox?: string }): Promise<void> {
    try {
      await this.policies.reset(dataClass ?? '', options.mailbox ?? null, 'cli');
      printText(`${dataClass}: reset\n`);
    } catch (error) {
      if (error instanceof PrivacyError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--mailbox <id>', description: 'reset the override of one mailbox' })
  parseMailbox(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'policy',
  description: 'Show or change retention rules',
  subCommands: [RetentionPolicyShowCommand, RetentionPolicySetCommand, RetentionPolicyResetCommand],
})
export class RetentionPolicyCommand extends CommandGroup {}

@SubCommand({ name: 'history', description: 'Recent retention runs (the audit records)' })
export class RetentionHistoryCommand extends CommandRunner {
  constructor(private readonly runs: RetentionRunService) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const runs = await this.runs.recent();
    if (options.json) return printJson(runs);
    printTable(
      runs.map((r) => ({
        id: r.id,
        started: r.createdAt.toISOString().slice(0, 19).replace('T', ' '),
        status: r.status,
        actor: r.actor,
        planned: sum(r.planned),
        done: sum(r.done),
        skipped: sum(r.skipped),
      })),
    );
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'retention',
  description: 'Retention: run the sweep, show or change the policies',
  subCommands: [RetentionRunCommand, RetentionPolicyCommand, RetentionHistoryCommand],
})
export class RetentionCommand extends CommandGroup {}

export const RETENTION_COMMANDS = [
  RetentionCommand,
  RetentionRunCommand,
  RetentionPolicyCommand,
  RetentionPolicyShowCommand,
  RetentionPolicySetCommand,
  RetentionPolicyResetCommand,
  RetentionHistoryCommand,
];

function printPlan(plan: RetentionPlan, verb: string): void {
  printText(`retention plan as of ${plan.asOf}\n`);
  if (plan.entries.length === 0) {
    printText('nothing is due\n');
    return;
  }
  printTable(
    plan.entries.map((e) => ({
      class: e.dataClass,
      [verb]: e.action,
      what: e.target,
      count: e.count,
    })),
  );
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
}

function json(options: RunOptions): boolean {
  return options.json === true;
}
