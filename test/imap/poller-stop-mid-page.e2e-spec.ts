import { AppConfig } from '@app/config';
import { MailboxService, SettleSweepService, StageEmailUseCase } from '@app/intake';
import { waitFor } from '@app/testing';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { MailboxPoller } from '../../apps/poller/src/mailbox-poller';
import { MailboxStateStore } from '../../apps/poller/src/mailbox-state.store';
import { email, startImapEnv, USER, type ImapEnv } from './support/imap-env';

/**
 * A poller stopped in the middle of a page (shutdown, lost lock, edited mailbox) must not move its
 * UID cursor past messages of that page it never staged: nothing reads below the cursor again, so
 * those messages would stay in the folder and never become tickets.
 */
describe('IMAP intake: a poller stopped in the middle of a page', () => {
  let env: ImapEnv;
  let ctx: INestApplicationContext;

  beforeAll(async () => {
    // Messages above IMAP_MAX_MESSAGE_BYTES are staged one per batch, so a page of them is several
    // batches; the supervising PollerService stays idle and the test drives MailboxPoller itself.
    env = await startImapEnv({ worker: false, env: { IMAP_MAX_MESSAGE_BYTES: '1024', POLLER_ENABLED: 'false' } });
    ctx = await env.startPoller();
  });
  afterAll(async () => {
    await env?.close();
  });

  const stagedUids = async (): Promise<number[]> =>
    (
      await env.app.dataSource.query<Array<{ uid: string }>>(
        `SELECT uid FROM inbound_messages WHERE mailbox_id = $1 ORDER BY uid`,
        [env.mailboxId],
      )
    ).map((r) => Number(r.uid));
  const cursor = async (): Promise<number> => {
    const [row] = await env.app.dataSource.query<Array<{ last_uid: string }>>(
      `SELECT last_uid FROM mailbox_states WHERE mailbox_id = $1`,
      [env.mailboxId],
    );
    return Number(row?.last_uid ?? -1);
  };

  it('keeps the cursor at the last staged UID, so a new poller stages the rest of the page', async () => {
    const big = 'x'.repeat(2000);
    for (let i = 1; i <= 5; i++) await env.dovecot.append(USER, 'INBOX', email({ subject: `mid-${i}`, body: big }));

    const mailboxes = ctx.get(MailboxService, { strict: false });
    const mailbox = await mailboxes.entity(env.mailboxId);
    if (!mailbox) throw new Error('mailbox missing');
    const realStage = ctx.get(StageEmailUseCase, { strict: false });
    const deps = {
      config: ctx.get(AppConfig, { strict: false }),
      sweep: ctx.get(SettleSweepService, { strict: false }),
      store: ctx.get(MailboxStateStore, { strict: false }),
      logger: new Logger('test-poller'),
    };

    // The first poller is told to stop right after it staged its first message of the page.
    let stopping: Promise<void> | undefined;
    const first: MailboxPoller = new MailboxPoller(mailbox, mailboxes.settings(mailbox), {
      ...deps,
      stage: {
        execute: async (command: Parameters<StageEmailUseCase['execute']>[0]) => {
          const result = await realStage.execute(command);
          stopping ??= first.stop();
          return result;
        },
        executeBatch: realStage.executeBatch.bind(realStage),
      } as unknown as StageEmailUseCase,
    });
    first.start();
    await waitFor(() => stopping !== undefined, { what: 'first poller stopping' });
    await stopping;

    expect(await stagedUids()).toEqual([1]);
    expect(await cursor()).toBe(1);

    // A new poller (the next replica, or this one after its restart) picks up the rest.
    const second = new MailboxPoller(mailbox, mailboxes.settings(mailbox), { ...deps, stage: realStage });
    second.start();
    try {
      await waitFor(async () => (await stagedUids()).length === 5, { timeoutMs: 10_000, what: '5 messages staged' });
    } finally {
      await second.stop();
    }
    expect(await stagedUids()).toEqual([1, 2, 3, 4, 5]);
    expect(await cursor()).toBe(5);
  }, 60_000);
});
