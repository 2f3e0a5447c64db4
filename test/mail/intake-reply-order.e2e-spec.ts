import { InboundMessageEntity, InboundStatus, MessageEntity } from '@app/database';
import { waitFor } from '@app/testing';
import { In } from 'typeorm';
import { stageEmails } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose } from './mail-support';

/**
 * A customer's message and their reply to it, staged together but committed in two batches at
 * once (or handed over in the other order by several BullMQ workers): the reply's thread is looked
 * up before its original's transaction is visible. It is held back until the original is
 * committed, and then joins its ticket instead of opening one of its own.
 */
describe('intake: a reply staged with its original', () => {
  let t: TestApp;

  beforeAll(async () => {
    // One message a batch, two batches at once: the original and the reply run side by side.
    t = await startTestApp({ worker: true, env: { INTAKE_BATCH_SIZE: '1', INTAKE_BATCH_WAIT_MS: '0' } });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('joins the ticket its original opens in the other batch in flight', async () => {
    const ds = t.dataSource;
    const original = await compose({
      from: 'Grace <grace@order.test>',
      to: 'support@intake.localhost',
      subject: 'Order: the scanner jams',
      messageId: '<order-first@order.test>',
      text: 'The scanner jams on every page.',
    });
    const reply = await compose({
      from: 'Grace <grace@order.test>',
      to: 'support@intake.localhost',
      subject: 'Re: Order: the scanner jams',
      messageId: '<order-reply@order.test>',
      inReplyTo: '<order-first@order.test>',
      references: ['<order-first@order.test>'],
      text: 'Also on the second tray.',
    });
    // Hold every ticket insert, so the original's transaction cannot commit while the reply's
    // thread is looked up.
    const blocker = ds.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    let ids: string[] = [];
    try {
      await blocker.query('LOCK TABLE tickets IN SHARE MODE');
      ids = await stageEmails(t, [original, reply]);
      // Both have been taken up by a batch before the lock goes.
      await waitFor(
        async () => {
          const rows = await ds.getRepository(InboundMessageEntity).findBy({ id: In(ids) });
          return rows.every((r) => r.attempts >= 1) || undefined;
        },
        { what: 'both messages in a batch', timeoutMs: 30_000 },
      );
      await new Promise((r) => setTimeout(r, 500));
      await blocker.commitTransaction();
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }

    const rows = await waitFor(
      async () => {
        const found = await ds.getRepository(InboundMessageEntity).findBy({ id: In(ids) });
        return found.length === 2 && found.every((r) => r.status === InboundStatus.Processed) ? found : undefined;
      },
      { what: 'both processed', timeoutMs: 60_000 },
    );
    const messages = await ds.getRepository(MessageEntity).find({
      where: { messageIdHeader: In(['<order-first@order.test>', '<order-reply@order.test>']) },
    });
    expect(messages).toHaveLength(2);
    expect(new Set(messages.map((m) => m.ticketId)).size).toBe(1);
    expect(new Set(rows.map((r) => r.ticketId)).size).toBe(1);
  }, 120_000);
});
