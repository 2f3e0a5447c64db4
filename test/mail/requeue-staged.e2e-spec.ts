import { InboundMessageEntity, InboundStatus } from '@app/database';
import { RequeueStagedService } from '@app/intake';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { stageEmail } from '../support/stage-email';
import { failJobForGood } from '../support/fail-job';
import { startTestApp, type TestApp } from '../support/test-app';

const RAW = Buffer.from(
  'From: Ada <ada@example.org>\r\nTo: support@intake.localhost\r\nSubject: Stuck\r\nMessage-ID: <stuck@example.org>\r\n\r\nHello\r\n',
);

/**
 * A process job that failed for good while its row stayed unfinished (the database away during
 * the last attempt, so not even the quarantine was written) is kept as failed under the row's id.
 * The start-up re-enqueue must still get the row processed: an add under that id alone is ignored.
 */
describe('re-enqueueing unfinished staged rows at start-up', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ worker: false, env: { QUEUE_ATTEMPTS: '1' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('replaces a job that failed for good, and adds nothing twice', async () => {
    const id = await stageEmail(app, RAW);
    const queue = app.app.get(QueueService).queue(JOB_QUEUE[JobName.ProcessInbound]);

    await failJobForGood(app, queue, id);
    const row = await app.dataSource.getRepository(InboundMessageEntity).findOneByOrFail({ id });
    expect(row.status).toBe(InboundStatus.Received);

    const requeue = app.app.get(RequeueStagedService);
    expect(await requeue.requeue()).toBe(1);
    expect(await queue.getJobState(id)).toBe('waiting');
    expect((await queue.getJob(id))?.data).toEqual({ inboundMessageId: id });
    // Again, while the job waits: still one job.
    expect(await requeue.requeue()).toBe(1);
    expect(await queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });
  });
});
