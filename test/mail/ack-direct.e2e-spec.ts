import type { AppConfig } from '@app/config';
import { DeliveryStatus, MessageEntity } from '@app/database';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { AcknowledgementSender, SendMessageHandler, sendJobId } from '@app/tickets';
import { In } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The worker that commits an intake batch sends its acknowledgements itself (AcknowledgementSender),
 * without a `send-message` job each; only a send that needs a retry becomes a job. Either way the
 * row is claimed before the SMTP transaction, so an acknowledgement is never sent twice.
 */
describe('acknowledgements sent by the worker that committed them', () => {
  let app: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ worker: true, env: { SMTP_URL: sink.url, MAIL_FROM: 'support@desk.test' } });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  const sendQueue = () => app.app.get(QueueService).queue(JOB_QUEUE[JobName.SendMessage]);

  /** Send jobs not yet taken (the queue is paused in these tests, so none is taken). */
  async function jobsWaiting(): Promise<number> {
    const jobs = await sendQueue().getJobs(['waiting', 'prioritized', 'active', 'delayed']);
    return jobs.filter((job) => job?.name === String(JobName.SendMessage)).length;
  }

  async function request(email: string, subject: string): Promise<void> {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Direct Customer', email, subject, message: 'Hello there.' }),
    });
    expect(res.status).toBe(202);
  }

  /** The acknowledgement of the ticket opened by `email`, once `ready` says so. */
  async function ackOf(email: string, ready: (row: MessageEntity) => boolean): Promise<MessageEntity> {
    return waitFor(
      async () => {
        const [found] = await app.dataSource.query<Array<{ id: string }>>(
          `SELECT m.id FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
            WHERE c.email = $1 AND m.auto_submitted`,
          [email],
        );
        if (!found) return undefined;
        const row = await app.dataSource.getRepository(MessageEntity).findOneByOrFail({ id: found.id });
        return ready(row) ? row : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: `acknowledgement to ${email}` },
    );
  }

  it('sends the acknowledgement at once, without a send job', async () => {
    // No worker takes a send job while the queue is paused: only the direct send can deliver it.
    await sendQueue().pause();
    const before = sink.messages.length;
    await request('direct@example.org', 'Direct acknowledgement');
    const ack = await ackOf('direct@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
    await sink.waitForCount(before + 1, 20_000);
    expect(sink.messages.slice(before).map((m) => m.to)).toEqual([['direct@example.org']]);
    expect(await jobsWaiting()).toBe(0);
    expect(await sendQueue().getJob(sendJobId(ack.id))).toBeUndefined();
    const [{ n }] = await app.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM history_events WHERE type = 'message_sent' AND new_value = $1`,
      [ack.id],
    );
    expect(n).toBe(1);
  });

  it('a transient refusal hands the acknowledgement to a job, which sends it once', async () => {
    sink.rejectWith(451);
    try {
      await request('later@example.org', 'Acknowledgement later');
      // The direct attempt was refused: the row waits, queued, with the reason, and a job holds it.
      const waiting = await ackOf('later@example.org', (r) => (r.deliveryError ?? '').startsWith('retrying:'));
      expect(waiting.deliveryStatus).toBe(DeliveryStatus.Queued);
      await waitFor(async () => (await sendQueue().getJob(sendJobId(waiting.id))) ?? undefined, {
        what: 'the retry job',
        timeoutMs: 20_000,
      });
      expect(await jobsWaiting()).toBe(1);
      const before = sink.messages.length;
      sink.rejectWith(null);
      await sendQueue().resume();
      const sent = await ackOf('later@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
      expect(sent.deliveryError).toBeNull();
      await new Promise((r) => setTimeout(r, 500));
      expect(sink.messages.slice(before).filter((m) => m.to.includes('later@example.org'))).toHaveLength(1);
    } finally {
      sink.rejectWith(null);
      await sendQueue().resume();
    }
  });

  it('two runs for one acknowledgement at once: one sends it, the other finds it claimed', async () => {
    const ack = await ackOf('direct@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
    // As if it had just been committed, and a start-up re-enqueue's job ran beside the worker's own send.
    await app.dataSource.getRepository(MessageEntity).update({ id: ack.id }, { deliveryStatus: DeliveryStatus.Queued });
    const before = sink.messages.length;
    const handler = app.app.get(SendMessageHandler);
    const meta = { jobId: undefined, attemptsMade: 0, maxAttempts: 2 };
    const outcomes = await Promise.all([
      handler.handle({ messageId: ack.id }, meta),
      handler.handle({ messageId: ack.id }, meta),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['sent', 'skipped']);
    await sink.waitForCount(before + 1, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.length).toBe(before + 1);
    expect(app.app.get(AcknowledgementSender).pending).toBe(0);
  });

  it('sends at most so many at once (OUTBOUND_CONCURRENCY here); the rest get jobs', async () => {
    const a = await ackOf('direct@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
    const b = await ackOf('later@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
    const repo = app.dataSource.getRepository(MessageEntity);
    await repo.update({ id: In([a.id, b.id]) }, { deliveryStatus: DeliveryStatus.Queued });
    const sender = new AcknowledgementSender(app.app.get(SendMessageHandler), app.app.get(QueueService), {
      values: { OUTBOUND_CONCURRENCY: 1, INTAKE_BATCH_SIZE: 0 },
    } as AppConfig);
    await sendQueue().pause();
    const release = sink.hold();
    const before = sink.messages.length;
    try {
      await sender.send([a.id, b.id]);
      // The first is being sent (the server holds its answer); the second waits as a job.
      expect(sender.pending).toBe(1);
      expect(await jobsWaiting()).toBe(1);
      expect(await sendQueue().getJob(sendJobId(b.id))).toBeDefined();
    } finally {
      release();
    }
    await ackOf('direct@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
    await sendQueue().resume();
    await ackOf('later@example.org', (r) => r.deliveryStatus === DeliveryStatus.Sent);
    await sink.waitForCount(before + 2, 20_000);
    expect(sender.pending).toBe(0);
  });
});
