import { TicketStatus } from '@app/database';
import { TicketError, TicketQueryService } from '@app/tickets';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { fail, printJson, printTable, printText } from './output';
import { CommandGroup } from './command-group';

@SubCommand({ name: 'list', description: 'List tickets, newest activity first' })
export class TicketListCommand extends CommandRunner {
  constructor(private readonly tickets: TicketQueryService) {
    super();
  }

  async run(_: string[], options: { json?: boolean; status?: TicketStatus[]; limit?: number }): Promise<void> {
    const page = await this.tickets.list({ status: options.status, limit: options.limit ?? 50 });
    if (options.json) return printJson(page.items);
    printTable(
      page.items.map((t) => ({
        reference: t.reference,
        status: t.status,
        priority: t.priority,
        channel: t.channel,
        updated: t.updatedAt.slice(0, 16).replace('T', ' '),
        subject: t.subject.length > 60 ? `${t.subject.slice(0, 57)}...` : t.subject,
      })),
    );
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '--status <list>', description: 'comma-separated statuses' })
  parseStatus(value: string): TicketStatus[] {
    const allowed = new Set<string>(Object.values(TicketStatus));
    const list = value.split(',').map((s) => s.trim());
    for (const s of list) if (!allowed.has(s)) throw new Error(`unknown status "${s}"`);
    return list as TicketStatus[];
  }

  @Option({ flags: '--limit <n>', description: 'how many (max 100, default 50)' })
  parseLimit(value: string): number {
    return Number(value);
  }
}

@SubCommand({ name: 'show', arguments: '<ref>', description: 'Show one ticket (T-10042 or id) with its messages' })
export class TicketShowCommand extends CommandRunner {
  constructor(private readonly tickets: TicketQueryService) {
    super();
  }

  async run([ref]: string[], options: { json?: boolean }): Promise<void> {
    try {
      const ticket = await this.tickets.get(ref ?? '');
      if (options.json) return printJson(ticket);
      printText(`${ticket.reference}  ${ticket.subject}\n`);
      printText(
        `status ${ticket.status} · priority ${ticket.priority} · ${ticket.channel} · created ${ticket.createdAt}\n`,
      );
      printText(`contact ${ticket.contact.name ?? ''} <${ticket.contact.email ?? 'anonymised'}>\n`);
      for (const m of ticket.messages) {
        const who = m.direction === 'in' ? 'customer' : m.internal ? 'note' : 'agent';
        printText(
          `\n--- ${m.createdAt} ${who}${m.attachments.length ? ` · ${m.attachments.length} attachment(s)` : ''}\n`,
        );
        printText(`${m.bodyText}\n`);
      }
    } catch (error) {
      if (error instanceof TicketError) return fail(error.message);
      throw error;
    }
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'ticket', description: 'Read tickets', subCommands: [TicketListCommand, TicketShowCommand] })
export class TicketCommand extends CommandGroup {}
