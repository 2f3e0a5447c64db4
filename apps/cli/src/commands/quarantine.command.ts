import { QuarantineActionError, QuarantineService } from '@app/intake';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable } from './output';

@SubCommand({ name: 'list', description: 'List quarantined messages (reason codes, no content)' })
export class QuarantineListCommand extends CommandRunner {
  constructor(private readonly quarantine: QuarantineService) {
    super();
  }

  async run(_: string[], o: { json?: boolean; limit?: number }): Promise<void> {
    const rows = await this.quarantine.list({ limit: o.limit });
    if (o.json) return printJson(rows);
    printTable(
      rows.map((r) => ({
        id: r.id,
        quarantined: r.quarantinedAt?.slice(0, 16).replace('T', ' ') ?? '',
        reason: r.reason,
        kind: r.kind,
        mailbox: r.mailboxName ?? '',
        size: r.size,
        attempts: r.attempts,
        replayable: r.hasBytes ? 'yes' : 'no',
      })),
    );
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
  @Option({ flags: '--limit <n>', description: 'how many (default 100)' })
  parseLimit(v: string): number {
    return Number(v);
  }
}

@SubCommand({ name: 'replay', arguments: '<id>', description: 'Process a quarantined message again' })
export class QuarantineReplayCommand extends CommandRunner {
  constructor(private readonly quarantine: QuarantineService) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    try {
      await this.quarantine.replay(id ?? '');
      process.stdout.write(`re-queued ${id}\n`);
    } catch (error) {
      if (error instanceof QuarantineActionError) return fail(error.message);
      throw error;
    }
  }
}

@SubCommand({ name: 'delete', arguments: '<id>', description: 'Delete a quarantined message for good' })
export class QuarantineDeleteCommand extends CommandRunner {
  constructor(private readonly quarantine: QuarantineService) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    try {
      await this.quarantine.delete(id ?? '');
      process.stdout.write(`deleted ${id}\n`);
    } catch (error) {
      if (error instanceof QuarantineActionError) return fail(error.message);
      throw error;
    }
  }
}

@Command({
  name: 'quarantine',
  description: 'Messages that could not be processed',
  subCommands: [QuarantineListCommand, QuarantineReplayCommand, QuarantineDeleteCommand],
})
export class QuarantineCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const QUARANTINE_COMMANDS = [
  QuarantineCommand,
  QuarantineListCommand,
  QuarantineReplayCommand,
  QuarantineDeleteCommand,
];
