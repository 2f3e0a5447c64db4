import { InboundMessageEntity } from '@app/database';
import { waitFor } from '@app/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { MailboxStateStore } from '../../apps/poller/src/mailbox-state.store';
import { email, startImapEnv, USER, type ImapEnv } from './support/imap-env';

/**
 * While mail trickles in, the poller syncs several times a second, and every statement of a sync
 * is a round trip the next message waits behind (M2 in BENCHMARKS.md). Within a session it reads
 * its cursor from the database once and keeps it in memory (it holds the mailbox's lock), writes
 * every advance before the next sync, and writes a status that changes nothing but the time of
 * the last fetch at most once a second. The store is the real one, counted where it is called.
 */
describe('IMAP intake: the statements of a sync while mail trickles in', () => {
  let env: ImapEnv;
  let poller: INestApplicationContext;

  beforeAll(async () => {
    env = await startImapEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  const staged = () => env.app.dataSource.getRepository(InboundMessageEntity).countBy({ mailboxId: env.mailboxId });
  const stored = async (): Promise<{ lastUid: number; lastFetchAt: Date | null }> => {
    const [row] = await env.app.dataSource.query<Array<{ last_uid: string; last_fetch_at: Date | null }>>(
      `SELECT last_uid, last_fetch_at FROM mailbox_states WHERE mailbox_id = $1`,
      [env.mailboxId],
    );
    return { lastUid: Number(row?.last_uid ?? -1), lastFetchAt: row?.last_fetch_at ?? null };
  };

  it('reads the cursor once per session, writes each advance, and the idle status at most once a second', async () => {
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'trickle 0' }));
    poller = await env.startPoller();
    await waitFor(async () => ((await staged()) === 1 ? true : undefined), { what: 'first staged', timeoutMs: 30_000 });

    const store = poller.get(MailboxStateStore);
    const cursorReads = jest.spyOn(store, 'cursor');
    const advances = jest.spyOn(store, 'advance');
    const statusWrites = jest.spyOn(store, 'status');
    try {
      // Eight messages 150 ms apart, each found by a sync of its own (IDLE or a follow-up NOOP).
      const started = Date.now();
      for (let i = 1; i <= 8; i++) {
        await env.dovecot.append(USER, 'INBOX', email({ subject: `trickle ${i}` }));
        await waitFor(async () => ((await staged()) === i + 1 ? true : undefined), {
          what: `message ${i} staged`,
          timeoutMs: 10_000,
        });
        await new Promise((r) => setTimeout(r, 150));
      }
      const seconds = (Date.now() - started) / 1000;

      expect(cursorReads).not.toHaveBeenCalled();
      expect(advances.mock.calls.length).toBeGreaterThanOrEqual(8);
      // Every sync that found mail wrote its advance: the stored cursor is the last UID.
      expect((await stored()).lastUid).toBe(9);
      // One status write a second at most (plus the first), not one per sync.
      expect(statusWrites.mock.calls.length).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
      expect(statusWrites.mock.calls.length).toBeLessThan(advances.mock.calls.length);
      // ...and the time of the last fetch is still kept: written within the last couple of seconds.
      const { lastFetchAt } = await stored();
      expect(lastFetchAt).not.toBeNull();
      expect(Date.now() - lastFetchAt!.getTime()).toBeLessThan(3_000);
    } finally {
      cursorReads.mockRestore();
      advances.mockRestore();
      statusWrites.mockRestore();
    }
    expect(await staged()).toBe(9);
  }, 90_000);
});
