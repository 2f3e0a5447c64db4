import { waitFor } from '@app/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { MailboxLock } from '../../apps/poller/src/lock/mailbox-lock';
import { PgMailboxLock } from '../../apps/poller/src/lock/pg-mailbox-lock';
import { PollerService } from '../../apps/poller/src/poller.service';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * The per-mailbox lock in PostgreSQL mode (no REDIS_URL: BullMQ on its PostgreSQL backend and the
 * lease row in mailbox_states). Two poller replicas against one mailbox: never both hold it, the
 * second takes over when the first stops, and a lease left by a dead replica is taken only once
 * it has expired.
 */
describe('poller lock, PostgreSQL lease mode', () => {
  let env: ImapEnv;
  // Every sample where both replicas held the mailbox at once.
  const overlaps: number[] = [];
  let sampler: NodeJS.Timeout | undefined;
  const live = new Set<INestApplicationContext>();

  beforeAll(async () => {
    // A 5 s lease (renewed every 1.7 s) leaves room for a loaded CI machine's slow ticks.
    env = await startImapEnv({ env: { REDIS_URL: undefined, IMAP_LOCK_TTL_MS: '5000' } });
  });
  afterAll(async () => {
    clearInterval(sampler);
    await env?.close();
  });

  const holds = (ctx: INestApplicationContext): boolean =>
    live.has(ctx) && ctx.get(PollerService).held().includes(env.mailboxId);
  const lease = async (): Promise<{ owner: string | null; live: boolean }> => {
    const rows = await env.app.dataSource.query<Array<{ lease_owner: string | null; live: boolean }>>(
      `SELECT lease_owner, lease_expires_at > now() AS live FROM mailbox_states WHERE mailbox_id = $1`,
      [env.mailboxId],
    );
    return { owner: rows[0]?.lease_owner ?? null, live: rows[0]?.live ?? false };
  };
  const start = async (): Promise<INestApplicationContext> => {
    const ctx = await env.startPoller();
    live.add(ctx);
    return ctx;
  };
  const stop = async (ctx: INestApplicationContext): Promise<void> => {
    live.delete(ctx);
    await ctx.close();
  };

  it('runs without Redis: the lock is the PostgreSQL lease', async () => {
    expect(env.app.config.values.REDIS_URL).toBeUndefined();
    const a = await start();
    expect(a.get(MailboxLock)).toBeInstanceOf(PgMailboxLock);
    await waitFor(() => holds(a), { what: 'a holds the mailbox' });
    expect(await lease()).toEqual({ owner: a.get(PollerService).owner, live: true });
    // And intake works end to end in this mode.
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'pglease-1' }));
    await waitForTickets(env.app, 'pglease-', 1);
    await stop(a);
    expect(await lease()).toEqual({ owner: null, live: false });
  }, 60_000);

  it('two replicas never both hold the mailbox; the second takes over when the first stops', async () => {
    const a = await start();
    await waitFor(() => holds(a), { what: 'a holds the mailbox' });
    // The poller object that reads the mailbox: it must stay the same one while the lease is renewed
    // (a failing renewal used to drop and re-take the mailbox every tick, reconnecting each time).
    const reader = () => a.get(PollerService)['running'].get(env.mailboxId)?.poller;
    const firstReader = reader();
    expect(firstReader).toBeDefined();
    const b = await start();
    sampler = setInterval(() => {
      if (holds(a) && holds(b)) overlaps.push(Date.now());
    }, 20);
    // Several lock lifetimes (TTL 5 s, renewed every 1.7 s): b keeps trying and never gets it.
    for (let i = 0; i < 24; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(holds(a)).toBe(true);
      expect(holds(b)).toBe(false);
      expect((await lease()).owner).toBe(a.get(PollerService).owner);
      expect(reader()).toBe(firstReader);
    }
    const stoppedAt = Date.now();
    await stop(a);
    await waitFor(() => holds(b), { timeoutMs: 10_000, what: 'b takes over' });
    // b ticks every TTL/3: it takes over within about one tick of the release.
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(await lease()).toEqual({ owner: b.get(PollerService).owner, live: true });
    // b really reads the mailbox now.
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'pglease-2' }));
    await waitForTickets(env.app, 'pglease-', 2);
    clearInterval(sampler);
    expect(overlaps).toEqual([]);
    await stop(b);
  }, 60_000);

  it('a lease left by a dead replica is taken only after it expires', async () => {
    // A replica that died holding the mailbox: its lease row stays until lease_expires_at.
    await env.app.dataSource.query(
      `UPDATE mailbox_states SET lease_owner = 'dead-replica', lease_expires_at = now() + interval '4 seconds'
        WHERE mailbox_id = $1`,
      [env.mailboxId],
    );
    const c = await start();
    const startedAt = Date.now();
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(holds(c)).toBe(false);
    }
    expect(await lease()).toEqual({ owner: 'dead-replica', live: true });
    await waitFor(() => holds(c), { timeoutMs: 10_000, what: 'c takes the expired lease' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
    expect((await lease()).owner).toBe(c.get(PollerService).owner);
    await stop(c);
  }, 60_000);
});
