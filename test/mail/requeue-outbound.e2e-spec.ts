import { DeliveryStatus, MessageEntity, UserRole } from '@app/database';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { ReplyToTicket } from '@app/tickets';
import { RequeueOutbound } from '../../libs/tickets/src/outbound/requeue-outbound.service';
import { failJobForGood } from '../support/fail-job';
import { startTestApp, type TestApp } from '../support/test-app';

const agent = { id: '00000000-0000-4000-8000-0000000000ab', role: UserRole.Admin, name: 'Agent' };

/**
 * A send job that failed for good while its message stayed `queued`/`sending` (the database away
 * on the last attempt, or the job stalled twice with the worker killed) is kept as failed under
 * `send-<message id>` for QUEUE_FAILED_RETENTION_DAYS. The start-up re-enqueue must still send the
 * message: an add under that id alone is ignored by BullMQ.
 */
describe('re-enqueueing unsent outbound messages at start-up', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ worker: false, env: { QUEUE_ATTEMPTS: '1', MAIL_FROM: 'support@desk.test' } });
    await app.dataSource.query(
      `INSERT INTO users (id, email, name, role, password_hash) VALUES ($1, 'agent@desk.test', 'Agent', 'admin', 'x')`,
      [agent.id],
    );
  });
  afterAll(async () => {
    await app.close();
  });

  /** A ticket of a new contact with this address. */
  async function ticketOf(email: string, subject: string): Promise<{ id: string }> {
    const [contact] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO contacts (email, name) VALUES ($1, 'Customer') RETURNING id`,
      [email],
    );
    const [ticket] = await app.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO tickets (subject, channel, contact_id, last_message_at) VALUES ($1, 'email', $2, now()) RETURNING id`,
      [subject, contact.id],
    );
    return ticket;
  }

  it('replaces a send job that failed for good, and adds nothing twice', async () => {
    const ticket = await ticketOf('ida@customer.test', 'Stuck reply');
    const { messageId } = await app.app.get(ReplyToTicket).execute(agent, ticket.id, 'Here is the answer.');
    const queue = app.app.get(QueueService).queue(JOB_QUEUE[JobName.SendMessage]);
    const jobId = `send-${messageId}`;

    await failJobForGood(app, queue, jobId);
    const row = await app.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: messageId });
    expect(row.deliveryStatus).toBe(DeliveryStatus.Queued);

    const requeue = new RequeueOutbound(app.dataSource, app.app.get(QueueService));
    await requeue.onApplicationBootstrap();
    expect(await queue.getJobState(jobId)).toBe('waiting');
    expect((await queue.getJob(jobId))?.data).toEqual({ messageId });
    // Again, while the job waits: still one job.
    await requeue.onApplicationBootstrap();
    expect(await queue.getJobCounts('waiting', 'failed')).toEqual({ waiting: 1, failed: 0 });
  });

  it('holds back a young acknowledgement, which another worker may be sending right now', async () => {
    const ticket = await ticketOf('jo@customer.test', 'Acknowledged');
    const ack = async (age: string) =>
      (
        await app.dataSource.query<Array<{ id: string }>>(
          `INSERT INTO messages (ticket_id, direction, internal, body_text, delivery_status, auto_submitted, created_at)
           VALUES ($1, 'out', false, 'We have your request.', $2, true, now() - $3::interval) RETURNING id`,
          [ticket.id, DeliveryStatus.Queued, age],
        )
      )[0].id;
    const young = await ack('5 seconds');
    const old = await ack('5 minutes');
    const queue = app.app.get(QueueService).queue(JOB_QUEUE[JobName.SendMessage]);

    await new RequeueOutbound(app.dataSource, app.app.get(QueueService)).onApplicationBootstrap();
    expect(await queue.getJobState(`send-${old}`)).toBe('waiting');
    expect(await queue.getJobState(`send-${young}`)).toBe('delayed');
    const job = await queue.getJob(`send-${young}`);
    // Until it is a minute old: 55 s from now, give or take the test's own time.
    expect(job?.opts.delay).toBeGreaterThan(50_000);
    expect(job?.opts.delay).toBeLessThanOrEqual(55_000);
  });
});
