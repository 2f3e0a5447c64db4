import { InboundMessageEntity, InboundStatus } from '@app/database';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { waitFor } from '@app/testing';
import { In } from 'typeorm';
import { stageEmails } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose } from './mail-support';

/**
 * Group commit under a trickle of mail (ProcessInboundHandler's BATCHES_IN_FLIGHT): at most two
 * batches run at once, and what arrives meanwhile waits for one of them and then goes together —
 * not one tiny transaction per message, each queueing for the same connections.
 */
describe('intake batches in flight', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No batch window at all: without the bound, every job would start a batch of its own.
    t = await startTestApp({ worker: true, env: { INTAKE_BATCH_SIZE: '25', INTAKE_BATCH_WAIT_MS: '0' } });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  const mail = (n: number) =>
    compose({
      from: `Trickle ${n} <trickle${n}@flow.test>`,
      to: 'support@intake.localhost',
      subject: `Flow: question ${n}`,
      messageId: `<flow-${n}@flow.test>`,
      text: `Question ${n}.`,
    });

  it('mail arriving while two batches commit waits for them, then commits in one transaction', async () => {
    const ds = t.dataSource;
    const intake = t.app.get(QueueService).queue(JOB_QUEUE[JobName.ProcessInbound]);
    // Hold every ticket insert: the first two batches begin their transactions and wait here.
    const blocker = ds.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    try {
      await blocker.query('LOCK TABLE tickets IN SHARE MODE');
      const early = [...(await stageEmails(t, [await mail(0)])), ...(await stageEmails(t, [await mail(1)]))];
      await waitFor(
        async () => {
          const [row] = await ds.query<Array<{ n: number }>>(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE c.relname = 'tickets' AND NOT l.granted
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          return (row?.n ?? 0) >= 2 || undefined;
        },
        { what: 'two batches waiting on the lock', timeoutMs: 30_000 },
      );
      // Five more (the pool has ten connections), one at a time, each handed to the worker before the next is staged.
      const late: string[] = [];
      for (let i = 2; i < 7; i++) {
        late.push(...(await stageEmails(t, [await mail(i)])));
        await waitFor(
          async () => (await intake.getJobCounts('active')).active >= early.length + late.length || undefined,
          {
            what: 'job handed to the worker',
            timeoutMs: 30_000,
          },
        );
      }
      // None of them has begun: they wait for a batch to end, not for the lock.
      const begun = await ds
        .getRepository(InboundMessageEntity)
        .countBy({ id: In(late), status: InboundStatus.Processing });
      expect(begun).toBe(0);
      await blocker.commitTransaction();

      const rows = await waitFor(
        async () => {
          const found = await ds.getRepository(InboundMessageEntity).findBy({ id: In([...early, ...late]) });
          return found.every((r) => r.status === InboundStatus.Processed) ? found : undefined;
        },
        { what: 'all processed', timeoutMs: 60_000 },
      );
      expect(rows).toHaveLength(7);
      // A transaction's tickets share its start time (now()): one transaction for the five.
      const [late1] = await ds.query<Array<{ n: number; tickets: number }>>(
        `SELECT count(DISTINCT t.created_at)::int AS n, count(*)::int AS tickets
           FROM tickets t JOIN inbound_messages i ON i.ticket_id = t.id WHERE i.id = ANY($1::uuid[])`,
        [late],
      );
      expect(late1).toEqual({ n: 1, tickets: 5 });
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
  }, 120_000);
});
