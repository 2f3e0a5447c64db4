import { MailboxError, MailboxService, type MailboxView } from '@app/intake';
import { MailboxAfterAction } from '@app/database';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printError, printJson, printTable, printText } from './output';
import { promptSecret } from './prompt';
import { CommandGroup } from './command-group';
import { MailboxConnectCommand } from './mailbox-connect.command';

interface AddOptions {
  name?: string;
  address?: string;
  host?: string;
  port?: number;
  tls?: boolean;
  insecure?: boolean;
  user?: string;
  password?: string;
  folder?: string;
  after?: MailboxAfterAction;
  processedFolder?: string;
  quarantineFolder?: string;
  json?: boolean;
}

@SubCommand({ name: 'add', description: 'Add an IMAP mailbox (password prompted unless --password)' })
export class MailboxAddCommand extends CommandRunner {
  constructor(private readonly mailboxes: MailboxService) {
    super();
  }

  async run(_: string[], o: AddOptions): Promise<void> {
    if (!o.name || !o.host || !o.user) return fail('--name, --host and --user are required');
    const password = o.password ?? (await promptSecret('IMAP password: '));
    try {
      const mailbox = await this.mailboxes.create({
        name: o.name,
        address: o.address ?? o.user,
        host: o.host,
        port: o.port,
        tls: o.tls ?? true,
        tlsRejectUnauthorized: !o.insecure,
        username: o.user,
        password,
        folder: o.folder,
        afterAction: o.after,
        processedFolder: o.processedFolder,
        quarantineFolder: o.quarantineFolder,
      });
      if (o.json) printJson(mailbox);
      else
        printText(
          `added mailbox ${mailbox.name} (${mailbox.id}); check it with: intake mailbox test ${mailbox.name}\n`,
        );
    } catch (error) {
      if (error instanceof MailboxError) {
        const fields = error.details
          ? ` (${Object.entries(error.details)
              .map(([k, v]) => `${k}: ${v}`)
              .join('; ')})`
          : '';
        return fail(`${error.message}${fields}`);
      }
      throw error;
    }
  }

  @Option({ flags: '--name <name>', description: 'unique name of the mailbox' })
  parseName(v: string): string {
    return v;
  }
  @Option({ flags: '--address <email>', description: 'support address customers write to (default: --user)' })
  parseAddress(v: string): string {
    return v;
  }
  @Option({ flags: '--host <host>', description: 'IMAP server' })
  parseHost(v: string): string {
    return v;
  }
  @Option({ flags: '--port <port>', description: 'default 993 (TLS) or 143' })
  parsePort(v: string): number {
    return Number(v);
  }
  @Option({ flags: '--no-tls', description: 'plain IMAP (STARTTLS if offered); TLS is on by default' })
  parseTls(): boolean {
    return false;
  }
  @Option({ flags: '--insecure', description: 'do not check the server certificate' })
  parseInsecure(): boolean {
    return true;
  }
  @Option({ flags: '--user <user>', description: 'IMAP user name' })
  parseUser(v: string): string {
    return v;
  }
  @Option({ flags: '--password <password>', description: 'omit to be prompted (keeps it out of shell history)' })
  parsePassword(v: string): string {
    return v;
  }
  @Option({ flags: '--folder <folder>', description: 'folder to read (default INBOX)' })
  parseFolder(v: string): string {
    return v;
  }
  @Option({ flags: '--after <action>', description: 'after processing: move (default) | expunge | flag_seen' })
  parseAfter(v: string): MailboxAfterAction {
    if (!(Object.values(MailboxAfterAction) as string[]).includes(v))
      throw new Error('--after must be move, expunge or flag_seen');
    return v as MailboxAfterAction;
  }
  @Option({ flags: '--processed-folder <folder>', description: 'target of "move" (default Processed)' })
  parseProcessed(v: string): string {
    return v;
  }
  @Option({ flags: '--quarantine-folder <folder>', description: 'where unprocessable mail goes (default Quarantine)' })
  parseQuarantine(v: string): string {
    return v;
  }
  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'list', description: 'List mailboxes (never shows passwords)' })
export class MailboxListCommand extends CommandRunner {
  constructor(private readonly mailboxes: MailboxService) {
    super();
  }

  async run(_: string[], o: { json?: boolean }): Promise<void> {
    const list = await this.mailboxes.list();
    if (o.json) return printJson(list);
    printTable(list.map(row));
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'disable', arguments: '<name>', description: 'Stop polling a mailbox (by name or id)' })
export class MailboxDisableCommand extends CommandRunner {
  constructor(private readonly mailboxes: MailboxService) {
    super();
  }

  async run([ref]: string[]): Promise<void> {
    try {
      const mailbox = await this.mailboxes.setEnabled(ref ?? '', false);
      printText(`disabled mailbox ${mailbox.name}\n`);
    } catch (error) {
      if (error instanceof MailboxError) return fail(error.message);
      throw error;
    }
  }
}

@SubCommand({ name: 'enable', arguments: '<name>', description: 'Resume polling a mailbox' })
export class MailboxEnableCommand extends CommandRunner {
  constructor(private readonly mailboxes: MailboxService) {
    super();
  }

  async run([ref]: string[]): Promise<void> {
    try {
      const mailbox = await this.mailboxes.setEnabled(ref ?? '', true);
      printText(`enabled mailbox ${mailbox.name}\n`);
    } catch (error) {
      if (error instanceof MailboxError) return fail(error.message);
      throw error;
    }
  }
}

@SubCommand({
  name: 'test',
  arguments: '<name>',
  description: 'Connect and report folders and message counts, or the exact error',
})
export class MailboxTestCommand extends CommandRunner {
  constructor(private readonly mailboxes: MailboxService) {
    super();
  }

  async run([ref]: string[], o: { json?: boolean }): Promise<void> {
    try {
      const result = await this.mailboxes.test(ref ?? '');
      if (o.json) printJson(result);
      else if (result.ok) {
        const p = result.probe;
        printText(
          `ok: ${p.folder} has ${p.messages} message(s); UIDVALIDITY ${p.uidValidity}; IDLE ${p.idle ? 'supported' : 'not supported (polling)'}\n`,
        );
        printTable(p.folders.map((f) => ({ folder: f.path, messages: f.messages })));
      }
      if (!result.ok) {
        if (!o.json) printError(`connection failed: ${result.error}\n`);
        process.exitCode = 1;
      }
    } catch (error) {
      if (error instanceof MailboxError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({
  name: 'mailbox',
  description: 'Manage IMAP mailboxes',
  subCommands: [
    MailboxAddCommand,
    MailboxListCommand,
    MailboxDisableCommand,
    MailboxEnableCommand,
    MailboxTestCommand,
    MailboxConnectCommand,
  ],
})
export class MailboxCommand extends CommandGroup {}

export const MAILBOX_COMMANDS = [
  MailboxCommand,
  MailboxAddCommand,
  MailboxListCommand,
  MailboxDisableCommand,
  MailboxEnableCommand,
  MailboxTestCommand,
  MailboxConnectCommand,
];

function row(m: MailboxView): Record<string, string | number | null> {
  return {
    name: m.name,
    enabled: m.enabled ? 'yes' : 'no',
    server: `${m.host}:${m.port}${m.tls ? ' tls' : ''}${m.tlsRejectUnauthorized ? '' : ' insecure'}`,
    user: m.username,
    folder: m.folder,
    after: m.afterAction === MailboxAfterAction.Move ? `move → ${m.processedFolder}` : m.afterAction,
    quarantine: m.quarantineFolder,
    id: m.id,
  };
}
