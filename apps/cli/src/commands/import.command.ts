import { StageEmailUseCase } from '@app/intake';
import { InboundStatus } from '@app/database';
import { InjectDataSource } from '@nestjs/typeorm';
import { SingleBar, Presets } from 'cli-progress';
import { Command, CommandRunner, Option } from 'nest-commander';
import type { DataSource } from 'typeorm';
import { countMessages, detectImport, readMessages } from './import-reader';
import { fail, printJson, printText } from './output';

interface ImportOptions {
  wait?: boolean;
  timeout?: number;
  json?: boolean;
}

export interface ImportCounts {
  staged: number;
  created: number;
  followUps: number;
  duplicates: number;
  quarantined: number;
  pending: number;
}

/**
 * `intake import PATH`: an mbox file, a Maildir or a folder of .eml files, through the same
 * staging table and queue as the poller; then waits for the workers' outcomes.
 */
@Command({
  name: 'import',
  arguments: '<path>',
  description: 'Import mail from an mbox, a Maildir or a folder of .eml files',
})
export class ImportCommand extends CommandRunner {
  constructor(
    private readonly stage: StageEmailUseCase,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super();
  }

  async run([path]: string[], o: ImportOptions): Promise<void> {
    let kind;
    try {
      kind = await detectImport(path ?? '');
    } catch {
      return fail(`cannot read ${path}`);
    }
    const total = await countMessages(path ?? '', kind);
    const bar = new SingleBar(
      { format: 'staging    [{bar}] {value}/{total}', stream: process.stderr, noTTYOutput: false },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    const ids: string[] = [];
    for await (const raw of readMessages(path ?? '', kind)) {
      const staged = await this.stage.execute({ mailboxId: null, uidValidity: null, uid: null, raw });
      ids.push(staged.id);
      bar.increment();
    }
    bar.stop();

    let counts = await this.outcomes(ids);
    if (o.wait !== false && ids.length > 0) {
      const done = new SingleBar(
        { format: 'processing [{bar}] {value}/{total}', stream: process.stderr },
        Presets.shades_classic,
      );
      done.start(ids.length, ids.length - counts.pending);
      const deadline = Date.now() + (o.timeout ?? 600) * 1000;
      while (counts.pending > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        counts = await this.outcomes(ids);
        done.update(ids.length - counts.pending);
      }
      done.stop();
    }
    if (o.json) printJson({ kind, ...counts });
    else {
      printText(
        `imported ${counts.staged} message(s) from ${kind}: ${counts.created} created, ${counts.followUps} follow-ups, ` +
          `${counts.duplicates} duplicates skipped, ${counts.quarantined} quarantined` +
          (counts.pending > 0 ? `, ${counts.pending} still waiting for a worker (is one running?)` : '') +
          '\n',
      );
    }
    if (counts.pending > 0) process.exitCode = 2;
  }

  /** Outcome of each staged row, read back from inbound_messages and messages. */
  private async outcomes(ids: string[]): Promise<ImportCounts> {
    const rows = await this.dataSource.query<Array<{ outcome: string; n: string }>>(
      `SELECT CASE
                WHEN i.status = $2 THEN 'quarantined'
                WHEN i.status <> $3 THEN 'pending'
                WHEN m.inbound_message_id IS DISTINCT FROM i.id THEN 'duplicate'
                WHEN m.id = (SELECT f.id FROM messages f WHERE f.ticket_id = m.ticket_id AND f.direction = 'in'
                              ORDER BY f.created_at, f.id LIMIT 1) THEN 'created'
                ELSE 'follow_up'
              END AS outcome, count(*) AS n
         FROM inbound_messages i LEFT JOIN messages m ON m.id = i.message_row_id
        WHERE i.id = ANY($1::uuid[])
        GROUP BY 1`,
      [ids, InboundStatus.Quarantined, InboundStatus.Processed],
    );
    const by = new Map(rows.map((r) => [r.outcome, Number(r.n)]));
    return {
      staged: ids.length,
      created: by.get('created') ?? 0,
      followUps: by.get('follow_up') ?? 0,
      duplicates: by.get('duplicate') ?? 0,
      quarantined: by.get('quarantined') ?? 0,
      pending: by.get('pending') ?? 0,
    };
  }

  @Option({ flags: '--no-wait', description: 'stage and enqueue only; do not wait for the workers' })
  parseWait(): boolean {
    return false;
  }
  @Option({ flags: '--timeout <seconds>', description: 'longest wait for the workers (default 600)' })
  parseTimeout(v: string): number {
    return Number(v);
  }
  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}
