import { DsrService, PrivacyError, type CompleteOptions, type DsrView } from '@app/privacy';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable, printText } from './output';
import { CommandGroup } from './command-group';

interface CreateOptions {
  contact?: string;
  /** `--identity-verified` (commander names options after their flag, in camelCase). */
  identityVerified?: boolean;
  out?: string;
  json?: boolean;
  mode?: CompleteOptions['erasureMode'];
  name?: string;
  email?: string;
  company?: string;
  website?: string;
  phone?: string;
}

/**
 * Shared by `dsr export|correct|erase`: records the request (received, due in 30 days) and, when
 * the operator states they verified the requester's identity (--identity-verified), carries it out.
 */
abstract class DsrCreateCommand extends CommandRunner {
  protected abstract readonly type: 'export' | 'correction' | 'erasure';

  constructor(protected readonly dsr: DsrService) {
    super();
  }

  async run(_: string[], options: CreateOptions): Promise<void> {
    if (!options.contact) return fail('--contact <id or address> is required');
    try {
      let request = await this.dsr.create({
        type: this.type,
        contact: options.contact,
        changes: this.type === 'correction' ? changesFrom(options) : undefined,
        actor: 'cli',
      });
      if (options.identityVerified) {
        await this.dsr.verify(request.id, 'cli');
        const result = await this.dsr.complete(request.id, 'cli', { erasureMode: options.mode });
        request = result.request;
        if (result.archive) {
          const file = resolve(options.out ?? result.archive.fileName);
          writeFileSync(file, result.archive.data, { mode: 0o600 });
          if (!options.json) printText(`archive written to ${file}\n`);
        }
      }
      if (options.json) return printJson(request);
      printRequest(request);
      if (!options.identityVerified) {
        printText(`next: verify the requester's identity, then: intake dsr verify ${request.id}\n`);
      }
    } catch (error) {
      if (error instanceof PrivacyError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--contact <id-or-address>', description: 'the contact (id, or the address they wrote from)' })
  parseContact(value: string): string {
    return value;
  }

  @Option({
    flags: '--identity-verified',
    description: "state that you verified the requester's identity, and carry the request out now",
  })
  parseVerified(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'export', description: 'Request an export of everything held about a contact (.tar.gz)' })
export class DsrExportCommand extends DsrCreateCommand {
  protected readonly type = 'export' as const;

  constructor(dsr: DsrService) {
    super(dsr);
  }

  @Option({ flags: '--out <file>', description: 'where to write the archive (default: ./intake-export-<id>.tar.gz)' })
  parseOut(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'correct',
  description: 'Request a correction: --name, --email, --company, --website, --phone ("" clears a field)',
})
export class DsrCorrectCommand extends DsrCreateCommand {
  protected readonly type = 'correction' as const;

  constructor(dsr: DsrService) {
    super(dsr);
  }

  @Option({ flags: '--name <name>', description: 'corrected name' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--email <address>', description: 'corrected address' })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--company <company>', description: 'corrected company' })
  parseCompany(value: string): string {
    return value;
  }

  @Option({ flags: '--website <url>', description: 'corrected website' })
  parseWebsite(value: string): string {
    return value;
  }

  @Option({ flags: '--phone <phone>', description: 'corrected phone number' })
  parsePhone(value: string): string {
    return value;
  }
}

@SubCommand({
  name: 'erase',
  description: 'Request erasure: anonymise (default) or delete a contact and their content',
})
export class DsrEraseCommand extends DsrCreateCommand {
  protected readonly type = 'erasure' as const;

  constructor(dsr: DsrService) {
    super(dsr);
  }

  @Option({ flags: '--mode <mode>', description: 'anonymise | delete (default: the retention policy for contacts)' })
  parseMode(value: string): CompleteOptions['erasureMode'] {
    if (value !== 'anonymise' && value !== 'delete') throw new Error('--mode must be anonymise or delete');
    return value;
  }
}

@SubCommand({ name: 'list', description: 'List data-subject requests, soonest due first' })
export class DsrListCommand extends CommandRunner {
  constructor(private readonly dsr: DsrService) {
    super();
  }

  async run(_: string[], options: { status?: string; json?: boolean }): Promise<void> {
    const list = await this.dsr.list({ status: options.status });
    if (options.json) return printJson(list);
    printTable(
      list.map((r) => ({
        id: r.id,
        type: r.type,
        status: r.status,
        received: r.receivedAt.slice(0, 10),
        due: `${r.dueAt.slice(0, 10)}${r.overdue ? ' OVERDUE' : ''}`,
        done: r.completedAt?.slice(0, 10) ?? '',
      })),
    );
  }

  @Option({ flags: '--status <status>', description: 'received | verified | done | rejected' })
  parseStatus(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'verify', arguments: '<id>', description: "Record that the requester's identity was verified" })
export class DsrVerifyCommand extends CommandRunner {
  constructor(private readonly dsr: DsrService) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    try {
      printRequest(await this.dsr.verify(id ?? '', 'cli'));
    } catch (error) {
      if (error instanceof PrivacyError) return fail(error.message);
      throw error;
    }
  }
}

@SubCommand({ name: 'complete', arguments: '<id>', description: 'Carry out a verified request' })
export class DsrCompleteCommand extends CommandRunner {
  constructor(private readonly dsr: DsrService) {
    super();
  }

  async run([id]: string[], options: { out?: string; mode?: CompleteOptions['erasureMode']; json?: boolean }) {
    try {
      const result = await this.dsr.complete(id ?? '', 'cli', { erasureMode: options.mode });
      if (result.archive) {
        const file = resolve(options.out ?? result.archive.fileName);
        writeFileSync(file, result.archive.data, { mode: 0o600 });
        if (!options.json) printText(`archive written to ${file}\n`);
      }
      if (options.json) return printJson(result.request);
      printRequest(result.request);
    } catch (error) {
      if (error instanceof PrivacyError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--out <file>', description: 'exports: where to write the archive' })
  parseOut(value: string): string {
    return value;
  }

  @Option({ flags: '--mode <mode>', description: 'erasure: anonymise | delete' })
  parseMode(value: string): CompleteOptions['erasureMode'] {
    if (value !== 'anonymise' && value !== 'delete') throw new Error('--mode must be anonymise or delete');
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'reject',
  arguments: '<id>',
  description: 'Close a request without acting (identity not verified)',
})
export class DsrRejectCommand extends CommandRunner {
  constructor(private readonly dsr: DsrService) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    try {
      printRequest(await this.dsr.reject(id ?? '', 'cli', 'identity_not_verified'));
    } catch (error) {
      if (error instanceof PrivacyError) return fail(error.message);
      throw error;
    }
  }
}

@Command({
  name: 'dsr',
  description: 'Data-subject requests: export, correct, erase; list, verify, complete, reject',
  subCommands: [
    DsrExportCommand,
    DsrCorrectCommand,
    DsrEraseCommand,
    DsrListCommand,
    DsrVerifyCommand,
    DsrCompleteCommand,
    DsrRejectCommand,
  ],
})
export class DsrCommand extends CommandGroup {}

export const DSR_COMMANDS = [
  DsrCommand,
  DsrExportCommand,
  DsrCorrectCommand,
  DsrEraseCommand,
  DsrListCommand,
  DsrVerifyCommand,
  DsrCompleteCommand,
  DsrRejectCommand,
];

function changesFrom(options: CreateOptions): Record<string, string> {
  const changes: Record<string, string> = {};
  for (const field of ['name', 'email', 'company', 'website', 'phone'] as const) {
    const value = options[field];
    if (value !== undefined) changes[field] = value;
  }
  return changes;
}

function printRequest(r: DsrView): void {
  printText(
    `${r.type} request ${r.id}: ${r.status} · received ${r.receivedAt.slice(0, 10)} · due ${r.dueAt.slice(0, 10)}` +
      `${r.fields.length ? ` · fields ${r.fields.join(', ')}` : ''}\n`,
  );
  if (r.receipt) printText(`receipt ${JSON.stringify(r.receipt)}\n`);
}
