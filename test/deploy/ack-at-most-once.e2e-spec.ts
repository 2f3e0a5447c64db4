import { DeliveryStatus, MessageEntity } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { startSmtpSink, waitFor, type SmtpSink } from '@app/testing';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * An acknowledgement whose worker died between "sending" and "sent" (SIGKILL in the chaos soak)
 * may already be with the customer. Its job runs again (BullMQ's stalled-job recovery, the
 * start-up re-enqueue): the customer must not get it a second time.
 */
describe('acknowledgements are sent at most once', () => {
  let app: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestApp({ worker: true, env: { SMTP_URL: sink.url, MAIL_FROM: 'support@desk.test' } });
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  it('does not send an acknowledgement again once a run got as far as sending it', async () => {
    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Once Only', email: 'once@example.org', subject: 'Ack me', message: 'Hi' }),
    });
    expect(res.status).toBe(202);
    await sink.waitForCount(1, 20_000);
    const repo = app.dataSource.getRepository(MessageEntity);
    const ack = await waitFor(
      async () => {
        const row = await repo.findOneBy({ autoSubmitted: true });
        return row?.deliveryStatus === DeliveryStatus.Sent ? row : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: 'the acknowledgement recorded as sent' },
    );

    // The state a SIGKILL inside the SMTP window leaves, and the job running again.
    await repo.update({ id: ack.id }, { deliveryStatus: DeliveryStatus.Sending });
    await app.app
      .get(QueueService)
      .add({ name: JobName.SendMessage, data: { messageId: ack.id } }, { jobId: `again-${ack.id}` });
    const settled = await waitFor(
      async () => {
        const row = await repo.findOneByOrFail({ id: ack.id });
        return row.deliveryStatus !== DeliveryStatus.Sending ? row : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the second run to decide' },
    );
    expect(settled.deliveryStatus).toBe(DeliveryStatus.Failed);
    expect(settled.deliveryError).toBe('interrupted');
    expect(sink.messages).toHaveLength(1);
  });
});
