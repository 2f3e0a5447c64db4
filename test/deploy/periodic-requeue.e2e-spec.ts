import { sha256Hex } from '@app/common';
import { InboundKind, InboundMessageEntity, InboundStatus } from '@app/database';
import { waitFor } from '@app/testing';
import { startTestApp, type TestApp } from '../support/test-app';

const RAW = Buffer.from(
  'From: Lost Job <lost@example.org>\r\nTo: support@intake.localhost\r\nSubject: Job lost while running\r\nMessage-ID: <lost-job@example.org>\r\n\r\nHello\r\n',
);

/**
 * A staging row whose enqueue was lost while the worker was already running (Redis restarted
 * between the insert and the add, as the chaos soak does) is not found by the start-up pass; the
 * periodic pass (INTAKE_REQUEUE_INTERVAL_MS) gets it processed.
 */
describe('periodic re-enqueue of staged rows whose job was lost', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ worker: true, env: { INTAKE_REQUEUE_INTERVAL_MS: '300' } });
  });
  afterAll(async () => {
    await app.close();
  });

  it('turns a row staged without a job into a ticket while the worker runs', async () => {
    // Staged after the worker's start-up pass, and never enqueued.
    const repo = app.dataSource.getRepository(InboundMessageEntity);
    const inserted = await repo.insert({
      kind: InboundKind.Email,
      status: InboundStatus.Received,
      raw: RAW,
      size: RAW.length,
      sha256: sha256Hex(RAW),
    });
    const id = (inserted.identifiers[0] as { id: string }).id;
    const row = await waitFor(
      async () => {
        const r = await repo.findOneByOrFail({ id });
        return r.status === InboundStatus.Processed ? r : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'the lost row to be processed' },
    );
    expect(row.ticketId).not.toBeNull();
    expect(row.raw).toBeNull();
  });
});
