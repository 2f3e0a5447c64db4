import { InboundMessageEntity, MailboxAfterAction } from '@app/database';
import { IntakeMetrics, MailboxService } from '@app/intake';
import { waitFor } from '@app/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * The poller reads only UIDs above the last one it staged. With "flag seen" every message stays in
 * the folder after its ticket, so a poller that re-read the folder from the start would fetch and
 * stage-attempt every old message again on each sync (the unique key keeps it from making
 * duplicates, which is why only the cursor and the metric show it).
 */
describe('IMAP intake: the UID cursor', () => {
  let env: ImapEnv;
  let poller: INestApplicationContext;

  beforeAll(async () => {
    env = await startImapEnv({ mailbox: { afterAction: MailboxAfterAction.FlagSeen } });
    poller = await env.startPoller();
  });
  afterAll(async () => {
    await env?.close();
  });

  const alreadyStaged = async (): Promise<number> => {
    const values = (await poller.get(IntakeMetrics, { strict: false }).alreadyStaged.get()).values;
    return values.reduce((sum, v) => sum + v.value, 0);
  };
  const cursor = async (): Promise<number> => {
    const [row] = await env.app.dataSource.query<Array<{ last_uid: string }>>(
      `SELECT last_uid FROM mailbox_states WHERE mailbox_id = $1`,
      [env.mailboxId],
    );
    return Number(row?.last_uid ?? -1);
  };
  const settled = async (n: number): Promise<void> => {
    await waitFor(
      async () =>
        (await env.app.dataSource.getRepository(InboundMessageEntity).countBy({ mailboxId: env.mailboxId })) === n &&
        (
          await env.app.dataSource.query<unknown[]>(
            `SELECT 1 FROM inbound_messages WHERE mailbox_id = $1 AND settled_at IS NULL`,
            [env.mailboxId],
          )
        ).length === 0,
      { what: `${n} messages settled` },
    );
  };

  it('fetches mail left on the server (flag seen) once, and only new UIDs afterwards', async () => {
    for (let i = 1; i <= 3; i++) await env.dovecot.append(USER, 'INBOX', email({ subject: `kept-${i}` }));
    await waitForTickets(env.app, 'kept-', 3);
    await settled(3);
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(3); // flagged, not moved
    expect(await cursor()).toBe(3);

    // New mail wakes the poller (IDLE): it must read UID 4 only, not 1–3 again.
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'kept-4' }));
    await waitForTickets(env.app, 'kept-', 4);
    await settled(4);
    expect(await cursor()).toBe(4);

    // A restarted poller (new connection, catch-up sync) starts from the stored cursor too.
    await poller.close();
    poller = await env.startPoller();
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'kept-5' }));
    await waitForTickets(env.app, 'kept-', 5);
    await settled(5);
    expect(await cursor()).toBe(5);
    expect(await alreadyStaged()).toBe(0);
  });

  it('starts over in a new folder, and old rows never shadow new mail even if both folders share a UIDVALIDITY', async () => {
    await poller.close();
    // A message waits in the new folder under UID 1, like kept-1 in the old one.
    await env.dovecot.append(USER, 'Support', email({ subject: 'moved-1' }));
    const client = env.dovecot.client(USER);
    await client.connect();
    const status = await client.status('Support', { uidValidity: true });
    await client.logout();
    if (!status) throw new Error('no STATUS for Support');
    // Make the worst case happen: the old rows carry the new folder's UIDVALIDITY (two folders
    // created in the same second can get the same one).
    await env.app.dataSource.query(`UPDATE inbound_messages SET uid_validity = $2 WHERE mailbox_id = $1`, [
      env.mailboxId,
      String(status.uidValidity),
    ]);
    await env.app.dataSource.query(`UPDATE mailbox_states SET uid_validity = $2 WHERE mailbox_id = $1`, [
      env.mailboxId,
      String(status.uidValidity),
    ]);

    await env.app.app.get(MailboxService).update(env.mailboxId, { folder: 'Support' });
    const rows = await env.app.dataSource.query<Array<{ uid: string | null; settled: boolean }>>(
      `SELECT uid, settled_at IS NOT NULL AS settled FROM inbound_messages WHERE mailbox_id = $1`,
      [env.mailboxId],
    );
    expect(rows.map((r) => [r.uid, r.settled])).toEqual(Array.from({ length: 5 }, () => [null, true]));
    expect(await cursor()).toBe(0);

    poller = await env.startPoller();
    await waitForTickets(env.app, 'moved-', 1);
    await settled(6);
    expect(await cursor()).toBe(1);
    expect(await alreadyStaged()).toBe(0);
    // The old folder's copies were left alone.
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(5);
  });
});
