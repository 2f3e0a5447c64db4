import { InboundMessageEntity } from '@app/database';
import { MailboxService, settleJobId } from '@app/intake';
import { JOB_QUEUE, JobName, QueueService } from '@app/queue';
import { waitFor } from '@app/testing';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * The settle sweep (run by the poller after each sync) re-adds the settle job of every committed,
 * unsettled row. A settle job that gave up is kept as failed under the same job id for
 * QUEUE_FAILED_RETENTION_DAYS, and an add under an existing id is ignored: the sweep must clear it
 * first, or the server copy waits that long.
 */
describe('IMAP settle sweep: a settle job that gave up', () => {
  let env: ImapEnv;

  beforeAll(async () => {
    // One attempt, and a processed folder the server refuses to create: the settle job fails for good.
    env = await startImapEnv({ env: { QUEUE_ATTEMPTS: '1' }, mailbox: { processedFolder: 'Done//x' } });
    await env.startPoller();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is run again once the cause is fixed', async () => {
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'gave-up-1' }));
    await waitForTickets(env.app, 'gave-up-', 1);
    const row = await env.app.dataSource
      .getRepository(InboundMessageEntity)
      .findOneByOrFail({ mailboxId: env.mailboxId });
    const queue = env.app.app.get(QueueService).queue(JOB_QUEUE[JobName.SettleInbound]);
    await waitFor(async () => (await queue.getJobState(settleJobId(row.id))) === 'failed', {
      what: 'settle job failed',
    });

    // The admin fixes the folder name; the poller's next syncs sweep the unsettled row.
    await env.app.app.get(MailboxService).update(env.mailboxId, { processedFolder: 'Processed' });
    await waitFor(
      async () =>
        (await env.app.dataSource.getRepository(InboundMessageEntity).findOneByOrFail({ id: row.id })).settledAt !==
        null,
      { timeoutMs: 20_000, what: 'row settled' },
    );
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);
    expect(await env.dovecot.count(USER, 'Processed')).toBe(1);
  }, 60_000);
});
