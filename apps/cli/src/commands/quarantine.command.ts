import { QuarantineActionError, QuarantineService, type QuarantineActionOutcome } from '@app/intake';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable, printText } from './output';
import { CommandGroup } from './command-group';

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
        // Without bytes, replay needs the server copy (still in the quarantine folder).
        replayable: r.hasBytes ? 'yes' : r.mailboxId ? 'server copy' : 'no',
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

const REPLAY_TEXT: Record<QuarantineActionOutcome, string> = {
  moved_back: 'server copy moved back to the intake folder; it will be processed again',
  in_intake_folder: 'server copy still in the intake folder; it will be processed again',
  from_stored_bytes: 'no server copy left; processing the stored bytes again',
  expunged: '',
  no_server_copy: '',
  queued: 'queued; no worker finished it within the wait (is a worker running?)',
};

const DELETE_TEXT: Record<QuarantineActionOutcome, string> = {
  moved_back: '',
  in_intake_folder: '',
  from_stored_bytes: '',
  expunged: 'server copy expunged; stored bytes and row removed',
  no_server_copy: 'no server copy left; stored bytes and row removed',
  queued: 'queued; no worker finished it within the wait (is a worker running?)',
};

/** Replay and delete differ only in the action and its wording; both wait for the worker. */
abstract class QuarantineActionCommand extends CommandRunner {
  protected abstract readonly action: 'replay' | 'delete';
  protected abstract readonly texts: Record<QuarantineActionOutcome, string>;

  constructor(private readonly quarantine: QuarantineService) {
    super();
  }

  async run([id]: string[], o: { wait?: number }): Promise<void> {
    try {
      const outcome = await this.quarantine[this.action](id ?? '', { waitMs: waitMs(o.wait) });
      printText(`${this.action} ${id}: ${this.texts[outcome]}\n`);
    } catch (error) {
      if (error instanceof QuarantineActionError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--wait <seconds>', description: 'how long to wait for the worker (default 30)' })
  parseWait(v: string): number {
    return Number(v);
  }
}

@SubCommand({
  name: 'replay',
  arguments: '<id>',
  description:
    'Process a quarantined message again: the worker moves its server copy from the quarantine folder back ' +
    'to the intake folder (or, with no server copy left, uses the stored bytes). Never makes a second ticket.',
})
export class QuarantineReplayCommand extends QuarantineActionCommand {
  protected readonly action = 'replay' as const;
  protected readonly texts = REPLAY_TEXT;

  constructor(quarantine: QuarantineService) {
    super(quarantine);
  }
}

@SubCommand({
  name: 'delete',
  arguments: '<id>',
  description:
    'Delete a quarantined message for good: the worker expunges its server copy (quarantine or intake ' +
    'folder) and removes the row with its stored bytes; the worker log keeps id, mailbox and reason code.',
})
export class QuarantineDeleteCommand extends QuarantineActionCommand {
  protected readonly action = 'delete' as const;
  protected readonly texts = DELETE_TEXT;

  constructor(quarantine: QuarantineService) {
    super(quarantine);
  }
}

function waitMs(seconds: number | undefined): number {
  return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 30_000;
}

@Command({
  name: 'quarantine',
  description: 'Messages that could not be processed',
  subCommands: [QuarantineListCommand, QuarantineReplayCommand, QuarantineDeleteCommand],
})
export class QuarantineCommand extends CommandGroup {}

export const QUARANTINE_COMMANDS = [
  QuarantineCommand,
  QuarantineListCommand,
  QuarantineReplayCommand,
  QuarantineDeleteCommand,
];
