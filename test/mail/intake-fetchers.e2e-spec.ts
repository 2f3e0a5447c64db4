import { InboundMessageEntity, InboundStatus } from '@app/database';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { waitFor } from '@app/testing';
import { In } from 'typeorm';
import { IntakeProcessor } from '../../apps/worker/src/processors/intake.processor';
import { stageEmails } from '../support/stage-email';
import { startTestApp, type TestApp } from '../support/test-app';
import { compose } from './mail-support';

/**
 * A worker process runs INTAKE_QUEUE_FETCHERS BullMQ workers on the intake queue (a BullMQ worker
 * fetches waiting jobs one Redis call at a time before it starts any, so one worker was slow to
 * hand a pile of mail to the batcher). They share the jobs, and every message is still processed
 * once.
 */
describe('intake queue fetchers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env: { INTAKE_QUEUE_FETCHERS: '3', INTAKE_BATCH_SIZE: '20' } });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('shares a pile of staged mail between its workers and processes each message once', async () => {
    const intake = t.app.get(QueueService).queue(JOB_QUEUE[JobName.ProcessInbound]);
    const workers = t.app.get(IntakeProcessor).workers;
    expect(workers).toHaveLength(3);
    // Registered with Redis as consumers of the intake queue, each with its share of the 40 jobs at once.
    await waitFor(async () => ((await intake.getWorkers()).length === 3 ? true : undefined), {
      what: 'three intake workers connected',
      timeoutMs: 30_000,
    });
    expect(workers.map((w) => w.concurrency)).toEqual([14, 14, 14]);

    const taken = workers.map(() => 0);
    workers.forEach((w, i) => w.on('active', () => (taken[i] = (taken[i] ?? 0) + 1)));
    const raws = await Promise.all(
      Array.from({ length: 120 }, (_, n) =>
        compose({
          from: `Pile ${n} <pile${n}@fetchers.test>`,
          to: 'support@intake.localhost',
          subject: `Pile: question ${n}`,
          messageId: `<pile-${n}@fetchers.test>`,
          text: `Question ${n}.`,
        }),
      ),
    );
    const ids = await stageEmails(t, raws);

    const rows = await waitFor(
      async () => {
        const found = await t.dataSource.getRepository(InboundMessageEntity).findBy({ id: In(ids) });
        return found.every((r) => r.status === InboundStatus.Processed) ? found : undefined;
      },
      { what: 'all processed', timeoutMs: 90_000 },
    );
    // Once each: one attempt per staging row, one ticket per message.
    expect(rows.map((r) => r.attempts)).toEqual(ids.map(() => 1));
    expect(new Set(rows.map((r) => r.ticketId)).size).toBe(120);
    // More than one worker took jobs, and together exactly the 120.
    expect(taken.filter((n) => n > 0).length).toBeGreaterThan(1);
    expect(taken.reduce((a, b) => a + b, 0)).toBe(120);
  }, 150_000);
});
