import { AppConfig } from '@app/config';
import {
  DbThreadStore,
  firstMessageOf,
  inspectMessage,
  replyTokensFrom,
  mailLimitsFrom,
  type InspectionResult,
} from '@app/intake';
import { InjectDataSource } from '@nestjs/typeorm';
import { readFile } from 'node:fs/promises';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import type { DataSource } from 'typeorm';
import { fail, printJson } from './output';

@SubCommand({
  name: 'inspect',
  arguments: '<file>',
  description: 'Run the intake pipeline on one .eml/mbox message without writing anything',
})
export class MailInspectCommand extends CommandRunner {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run([file]: string[], options: { json?: boolean }): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file ?? '');
    } catch {
      return fail(`cannot read ${file ?? '(no file)'}`);
    }
    // Threading reads the database (read-only) to show what would happen to this message now.
    const result = await inspectMessage(firstMessageOf(bytes), {
      tokens: replyTokensFrom(this.config),
      store: new DbThreadStore(this.dataSource),
      limits: mailLimitsFrom(this.config),
    });
    if (options.json) return printJson(result);
    printText(result);
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

function printText(r: InspectionResult): void {
  const addr = (a: { address: string; name: string | null }) => (a.name ? `${a.name} <${a.address}>` : a.address);
  const out = (label: string, value: string | null | undefined) =>
    process.stdout.write(`${label.padEnd(15)}${value ?? ''}\n`);
  if (r.quarantineReason) out('LIMIT/QUARANT.', r.quarantineReason);
  out('from', r.from ? addr(r.from) : null);
  out('to', r.to.map(addr).join(', '));
  out('cc', r.cc.map(addr).join(', '));
  out('reply-to', r.replyTo.map(addr).join(', '));
  out('subject', r.subject);
  out('message-id', r.messageId);
  out('in-reply-to', r.inReplyTo);
  out('references', r.references.join(' '));
  out('date', r.date);
  out(
    'classification',
    `${r.classification}${r.classificationDetail.signals.length ? ` (${r.classificationDetail.signals.join(', ')})` : ''}`,
  );
  for (const b of r.classificationDetail.bounce?.recipients ?? []) {
    out(
      '  bounced',
      `${b.address} ${b.permanent ? 'permanent' : 'temporary'} ${b.reason}${b.status ? ` ${b.status}` : ''}`,
    );
  }
  if (r.classificationDetail.bounce?.originalMessageId)
    out('  original', r.classificationDetail.bounce.originalMessageId);
  out(
    'thread',
    `${r.thread.reason}${r.thread.ticketId ? ` → ${r.thread.ticketId}` : ''}${r.thread.rejected ? ` (rejected: ${r.thread.rejected.join(', ')})` : ''}`,
  );
  for (const a of r.attachments) {
    out(
      'attachment',
      `${a.filename} · ${a.contentType}${a.declaredContentType ? ` (declared ${a.declaredContentType})` : ''} · ${a.size} B · sha256 ${a.sha256} · md5 ${a.md5}${a.contentId ? ` · cid ${a.contentId}` : ''}${a.inline ? ' · inline' : ''}${a.neverInline ? ' · never-inline' : ''}`,
    );
  }
  process.stdout.write(`\n--- text (new part) ---\n${r.visibleText ?? r.text ?? ''}\n`);
  if (r.quotedText) process.stdout.write(`\n--- quoted history ---\n${r.quotedText}\n`);
  if (r.sanitizedHtml)
    process.stdout.write(`\n--- sanitised html (${r.blockedImages} remote image(s) blocked) ---\n${r.sanitizedHtml}\n`);
}

@Command({
  name: 'mail',
  description: 'Look at email the way the intake pipeline does',
  subCommands: [MailInspectCommand],
})
export class MailCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
