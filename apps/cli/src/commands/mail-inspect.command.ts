import { AppConfig } from '@app/config';
import {
  DbThreadStore,
  EMPTY_THREAD_STORE,
  firstMessageOf,
  inspectMessage,
  MailboxOwnAddresses,
  replyTokensFrom,
  mailLimitsFrom,
  type InspectionResult,
} from '@app/intake';
import { InjectDataSource } from '@nestjs/typeorm';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import type { DataSource } from 'typeorm';
import { fail, printJson, printJsonLine, printText } from './output';
import { CommandGroup } from './command-group';
import { NeedsDatabase } from '../needs-database';

@SubCommand({
  name: 'inspect',
  arguments: '<paths...>',
  description:
    'Run the intake pipeline on .eml/mbox files (or every file under a directory) without writing anything; ' +
    'with several, --json prints one JSON line per file',
})
export class MailInspectCommand extends CommandRunner {
  constructor(
    /** Null in the offline pass (see offline.module.ts): no database is opened unless --database. */
    @InjectDataSource() private readonly dataSource: DataSource | null,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async run(paths: string[], options: { json?: boolean; database?: boolean }): Promise<void> {
    if (options.database && !this.dataSource) throw new NeedsDatabase();
    const files = await expandPaths(paths);
    if (files.length === 0) return fail(`no files in ${paths.join(', ')}`);
    // One file keeps the one-document output; several files print one result after another
    // (JSON lines with --json), so a folder of mail is checked in one start-up.
    const single = files.length === 1 && files[0]?.given === true;
    // With --database, threading reads the desk's database (read-only) to show what would happen
    // to this message now; without, no database is opened and every message threads as new.
    const store = options.database && this.dataSource ? new DbThreadStore(this.dataSource) : EMPTY_THREAD_STORE;
    // And loop detection knows every mailbox's address, not MAIL_FROM alone.
    const ownAddresses = options.database && this.dataSource ? new MailboxOwnAddresses(this.dataSource) : null;
    for (const file of files) {
      const bytes = await readFile(file.path).catch(() => null);
      if (!bytes) {
        if (single || !options.json) fail(`cannot read ${file.path}`);
        else {
          printJsonLine({ file: file.path, error: 'cannot_read' });
          process.exitCode = 1;
        }
        continue;
      }
      const result = await inspectMessage(firstMessageOf(bytes), {
        tokens: replyTokensFrom(this.config),
        store,
        ownAddresses,
        limits: mailLimitsFrom(this.config),
      });
      if (options.json) {
        if (single) printJson(result);
        else printJsonLine({ file: file.path, ...result });
      } else {
        if (!single) printText(`${files.indexOf(file) > 0 ? '\n' : ''}=== ${file.path}\n`);
        printInspection(result);
      }
    }
  }

  @Option({
    flags: '--database',
    description: "check threading against the desk's database (opened read-only; by default none is opened)",
  })
  parseDatabase(): boolean {
    return true;
  }

  @Option({ flags: '--json', description: 'print JSON (one line per file when there are several)' })
  parseJson(): boolean {
    return true;
  }
}

interface InspectTarget {
  path: string;
  /** Named on the command line (not found inside a directory). */
  given: boolean;
}

/** The files named, and every regular file under the directories named (sorted, hidden ones skipped). */
async function expandPaths(paths: string[]): Promise<InspectTarget[]> {
  const out: InspectTarget[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info?.isDirectory()) out.push({ path, given: true });
    else {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      const found = entries
        .filter(
          (e) =>
            e.isFile() &&
            !relative(path, join(e.parentPath, e.name))
              .split(sep)
              .some((p) => p.startsWith('.')),
        )
        .map((e) => join(e.parentPath, e.name))
        .sort();
      out.push(...found.map((p) => ({ path: p, given: false })));
    }
  }
  return out;
}

function printInspection(r: InspectionResult): void {
  const addr = (a: { address: string; name: string | null }) => (a.name ? `${a.name} <${a.address}>` : a.address);
  const out = (label: string, value: string | null | undefined) => printText(`${label.padEnd(15)}${value ?? ''}\n`);
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
  for (const n of r.notes) out('note', `${n.filter}: ${n.note}`);
  printText(`\n--- text (new part) ---\n${r.visibleText ?? r.text ?? ''}\n`);
  if (r.quotedText) printText(`\n--- quoted history ---\n${r.quotedText}\n`);
  if (r.sanitizedHtml)
    printText(`\n--- sanitised html (${r.blockedImages} remote image(s) blocked) ---\n${r.sanitizedHtml}\n`);
}

@Command({
  name: 'mail',
  description: 'Look at email the way the intake pipeline does',
  subCommands: [MailInspectCommand],
})
export class MailCommand extends CommandGroup {}
