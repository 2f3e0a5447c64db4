import { InboundMessageEntity, InboundStatus, MessageEntity, TicketEntity } from '@app/database';
import { waitFor } from '@app/testing';
import { In } from 'typeorm';
import { stageEmails } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose } from './mail-support';

/**
 * Group commit (ProcessInboundHandler + PersistInboundService.persistBatch): messages staged
 * together are committed together, yet each keeps the outcome it would have had alone.
 */
describe('intake batches', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A long batch window, so every job staged below lands in one batch.
    t = await startTestApp({
      worker: true,
      env: { INTAKE_BATCH_SIZE: '25', INTAKE_BATCH_WAIT_MS: '400', QUEUE_ATTEMPTS: '2' },
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const stageAll = (raws: Buffer[]) => stageEmails(t, raws);

  async function settled(ids: string[]): Promise<InboundMessageEntity[]> {
    const repo = t.dataSource.getRepository(InboundMessageEntity);
    return waitFor(
      async () => {
        const rows = await repo.find({ where: { id: In(ids) } });
        return rows.length === ids.length &&
          rows.every((r) => r.status === InboundStatus.Processed || r.status === InboundStatus.Quarantined)
          ? rows
          : undefined;
      },
      { what: 'batch processed', timeoutMs: 60_000 },
    );
  }

  it('dedupes a repeated email, threads a reply to a message of the same batch, and keeps order', async () => {
    const first = await compose({
      from: 'Ada <ada@batch.test>',
      to: 'support@intake.localhost',
      subject: 'Batch: printer',
      messageId: '<batch-first@batch.test>',
      text: 'The printer is on fire.',
    });
    const reply = await compose({
      from: 'Ada <ada@batch.test>',
      to: 'support@intake.localhost',
      subject: 'Re: Batch: printer',
      messageId: '<batch-reply@batch.test>',
      inReplyTo: '<batch-first@batch.test>',
      references: ['<batch-first@batch.test>'],
      text: 'It is out now.',
    });
    const others = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        compose({
          from: `Customer ${i} <c${i}@batch.test>`,
          to: 'support@intake.localhost',
          subject: `Batch: question ${i}`,
          messageId: `<batch-q${i}@batch.test>`,
          text: `Question number ${i}.`,
        }),
      ),
    );
    // The same bytes twice (APPENDed twice / two mailboxes), the reply right after its original.
    const ids = await stageAll([first, first, reply, ...others]);
    const rows = await settled(ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(rows.every((r) => r.status === InboundStatus.Processed)).toBe(true);

    const messages = await t.dataSource.getRepository(MessageEntity).find({
      where: { messageIdHeader: In(['<batch-first@batch.test>', '<batch-reply@batch.test>']) },
    });
    // One message row for the repeated email; the duplicate staging row points at it.
    expect(messages.filter((m) => m.messageIdHeader === '<batch-first@batch.test>')).toHaveLength(1);
    const original = messages.find((m) => m.messageIdHeader === '<batch-first@batch.test>')!;
    const answer = messages.find((m) => m.messageIdHeader === '<batch-reply@batch.test>')!;
    expect(byId.get(ids[0])?.messageRowId).toBe(original.id);
    expect(byId.get(ids[1])?.messageRowId).toBe(original.id);
    // The reply follows up on the ticket its original opened in the same batch.
    expect(answer.ticketId).toBe(original.ticketId);

    // Every other message opened its own ticket, numbered in arrival order.
    const tickets = await t.dataSource
      .getRepository(TicketEntity)
      .find({ where: { id: In(rows.map((r) => r.ticketId!)) }, order: { number: 'ASC' } });
    expect(tickets.map((x) => x.subject)).toEqual([
      'Batch: printer',
      ...Array.from({ length: 5 }, (_, i) => `Batch: question ${i}`),
    ]);
    // One transaction: created_at is the transaction's start time, the same for the whole batch.
    expect(new Set(tickets.map((x) => x.createdAt.getTime())).size).toBe(1);
    // Acknowledgements went out for the six new tickets only (not for the duplicate or the reply).
    const acks = await t.dataSource.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM messages WHERE auto_submitted AND ticket_id = ANY($1::uuid[])`,
      [tickets.map((x) => x.id)],
    );
    expect(Number(acks[0]?.n)).toBe(6);
  });

  it('a message whose commit fails fails alone: the rest of its batch is committed', async () => {
    // Fault injection in the real database: this trigger refuses one particular body.
    await t.dataSource.query(`CREATE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.body_text LIKE '%POISON-7f3a%' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
        RETURN NEW;
      END $$`);
    await t.dataSource.query(
      `CREATE TRIGGER test_refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION test_refuse_poison()`,
    );
    try {
      const raws = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          compose({
            from: `Poison test ${i} <p${i}@batch.test>`,
            to: 'support@intake.localhost',
            subject: `Poison batch ${i}`,
            messageId: `<poison-${i}@batch.test>`,
            text: i === 3 ? 'This one says POISON-7f3a.' : `Harmless ${i}.`,
          }),
        ),
      );
      const ids = await stageAll(raws);
      const rows = await settled(ids);
      const poison = rows.find((r) => r.id === ids[3]);
      expect(poison?.status).toBe(InboundStatus.Quarantined);
      expect(poison?.reason).toMatch(/^failed_after_attempts:QueryFailedError/);
      const good = rows.filter((r) => r.id !== ids[3]);
      expect(good.every((r) => r.status === InboundStatus.Processed && r.ticketId)).toBe(true);
      expect(new Set(good.map((r) => r.ticketId)).size).toBe(5);
    } finally {
      await t.dataSource.query(`DROP TRIGGER test_refuse_poison ON messages`);
      await t.dataSource.query(`DROP FUNCTION test_refuse_poison()`);
    }
  });

  it('a NUL byte in the body (which PostgreSQL text cannot hold) is stored as U+FFFD, not a failed batch', async () => {
    const raw = Buffer.from(
      [
        'From: Nul Sender <nul@batch.test>',
        'To: support@intake.localhost',
        'Subject: Batch: NUL inside',
        'Message-ID: <batch-nul@batch.test>',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'before\u0000after',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const [id] = await stageAll([raw]);
    const [row] = await settled([id]);
    expect(row?.status).toBe(InboundStatus.Processed);
    const message = await t.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: row.messageRowId! });
    expect(message.bodyText).toContain('before\ufffdafter');
  });
});
