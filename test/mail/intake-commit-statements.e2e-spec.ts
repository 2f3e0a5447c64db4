import { ContactEntity, InboundMessageEntity, InboundStatus, MessageEntity, TicketEntity } from '@app/database';
import { waitFor } from '@app/testing';
import type { QueryRunner } from 'typeorm';
import { In } from 'typeorm';
import { stageEmails } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose } from './mail-support';

/**
 * An intake batch commits in few statements (PersistInboundService): on a loaded host every round
 * trip to PostgreSQL costs 5–15 ms while the transaction stays open, and the commit sits on the
 * path of every ticket's latency. Counted here on the real database, with what each merged
 * statement must still do: contacts found through a further address or named on the way,
 * acknowledgements counted per contact, and every row of the batch written.
 */
describe('intake commit statements', () => {
  let t: TestApp;
  const statements = new Map<QueryRunner | undefined, string[]>();

  beforeAll(async () => {
    // A long batch window, so every job staged at once lands in one batch.
    t = await startTestApp({
      worker: true,
      env: { INTAKE_BATCH_SIZE: '25', INTAKE_BATCH_WAIT_MS: '400', ACK_RATE_LIMIT_PER_HOUR: '1' },
    });
    const logger = t.dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, runner) => {
      const list = statements.get(runner) ?? [];
      list.push(query.trim().replace(/\s+/g, ' '));
      statements.set(runner, list);
      logQuery(query, parameters, runner);
    };
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  /** The statements of the transaction (START TRANSACTION … COMMIT) that inserted tickets. */
  function ticketTransactions(): string[][] {
    const found: string[][] = [];
    for (const list of statements.values()) {
      let current: string[] | null = null;
      for (const s of list) {
        if (s.startsWith('START TRANSACTION')) current = [];
        current?.push(s);
        if (s.startsWith('COMMIT') && current) {
          if (current.some((x) => x.includes('INSERT INTO tickets'))) found.push(current);
          current = null;
        }
      }
    }
    return found;
  }

  it('takes a batch in one statement and commits it, acknowledgements included, in seven', async () => {
    const contacts = t.dataSource.getRepository(ContactEntity);
    // Known beforehand: a contact without a name, and one with a further address.
    const unnamed = await contacts.save(contacts.create({ email: 'unnamed@statements.test', name: null }));
    const owner = await contacts.save(contacts.create({ email: 'owner@statements.test', name: 'Owner' }));
    await t.dataSource.query(`INSERT INTO contact_addresses (email, contact_id) VALUES ($1, $2)`, [
      'alias@statements.test',
      owner.id,
    ]);
    const senders = [
      'Una Named <unnamed@statements.test>',
      'Owner Alias <alias@statements.test>',
      'New One <new1@statements.test>',
      'New Two <new2@statements.test>',
      // A second new ticket for the same customer in the same batch: over the hourly limit of 1.
      'New Two <new2@statements.test>',
    ];
    const raws = await Promise.all(
      senders.map((from, i) =>
        compose({
          from,
          to: 'support@intake.localhost',
          subject: `Statements ${i}`,
          messageId: `<statements-${i}@statements.test>`,
          text: `Question ${i}.`,
        }),
      ),
    );
    statements.clear();
    const ids = await stageEmails(t, raws);
    const rows = await waitFor(
      async () => {
        const found = await t.dataSource.getRepository(InboundMessageEntity).find({ where: { id: In(ids) } });
        return found.length === ids.length && found.every((r) => r.status === InboundStatus.Processed)
          ? found
          : undefined;
      },
      { what: 'batch processed', timeoutMs: 60_000 },
    );
    expect(rows.every((r) => r.raw === null && r.ticketId && r.messageRowId)).toBe(true);

    const transactions = ticketTransactions();
    expect(transactions).toHaveLength(1);
    // START TRANSACTION, lock the staging rows, contacts, tickets (+ templates and ack locks), the
    // hourly count, every row at once, COMMIT. It was thirteen.
    expect(transactions[0]).toHaveLength(7);

    // Before the transaction: the attempt counted and the rows read in one statement, then their bytes.
    const outside = [...statements.values()].flat().filter((s) => /\binbound_messages\b/.test(s));
    const attempted = outside.filter((s) => s.includes('attempts = attempts + 1'));
    expect(attempted).toHaveLength(1);
    expect(attempted[0]).toMatch(/^WITH "attempted" AS \(UPDATE .* SELECT .*"i"\."sha256"/);
    expect(outside.filter((s) => s.includes('"i"."sha256"'))).toHaveLength(1);

    const tickets = await t.dataSource
      .getRepository(TicketEntity)
      .find({ where: { id: In(rows.map((r) => r.ticketId!)) }, order: { number: 'ASC' } });
    expect(tickets.map((x) => x.subject)).toEqual(senders.map((_, i) => `Statements ${i}`));
    // The known contact got the name the mail brought; the further address went to its owner.
    expect((await contacts.findOneByOrFail({ id: unnamed.id })).name).toBe('Una Named');
    expect(tickets[0]?.contactId).toBe(unnamed.id);
    expect(tickets[1]?.contactId).toBe(owner.id);
    expect(await contacts.countBy({ email: 'alias@statements.test' })).toBe(0);
    expect(tickets[3]?.contactId).toBe(tickets[4]?.contactId);

    // One acknowledgement per customer: the second ticket of New Two is over the limit.
    const acks = await t.dataSource
      .getRepository(MessageEntity)
      .find({ where: { ticketId: In(tickets.map((x) => x.id)), autoSubmitted: true } });
    expect(acks.map((a) => a.ticketId).sort()).toEqual(
      tickets
        .slice(0, 4)
        .map((x) => x.id)
        .sort(),
    );
    const history = await t.dataSource.query<Array<{ type: string; n: string }>>(
      `SELECT type, count(*) AS n FROM history_events WHERE ticket_id = ANY($1::uuid[]) GROUP BY type ORDER BY type`,
      [tickets.map((x) => x.id)],
    );
    expect(history.map((h) => [h.type, Number(h.n)])).toEqual([
      ['acknowledgement_queued', 4],
      ['message_received', 5],
      ['ticket_created', 5],
    ]);
  });
});
