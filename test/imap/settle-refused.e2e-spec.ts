import { InboundMessageEntity } from '@app/database';
import { waitFor } from '@app/testing';
import { IsNull, Not } from 'typeorm';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * imapflow answers a refused MOVE (or STORE, EXPUNGE) with `false` instead of throwing. Settle must
 * not take that for done: a row marked settled whose copy is still in the intake folder is never
 * looked at again.
 */
describe('IMAP settle: a command the server refuses', () => {
  let env: ImapEnv;

  beforeAll(async () => {
    env = await startImapEnv();
    await env.startPoller();
  });
  afterAll(async () => {
    await env?.close();
  });

  const settledRow = (subject: string) =>
    waitFor(
      async () =>
        (await env.app.dataSource.getRepository(InboundMessageEntity).findOne({
          where: { mailboxId: env.mailboxId, settledAt: Not(IsNull()), messageIdHeader: `<${subject}@customer.test>` },
        })) ?? undefined,
      { what: `${subject} settled` },
    );

  it('moves the copy to a Processed folder deleted since the last move (re-created), and only then marks it settled', async () => {
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'refused-1', messageId: '<refused-1@customer.test>' }));
    await waitForTickets(env.app, 'refused-', 1);
    await settledRow('refused-1');
    expect(await env.dovecot.count(USER, 'Processed')).toBe(1);

    // Someone removes the Processed folder in their mail client; the worker's settle connection
    // still believes it exists, so the next UID MOVE is answered NO [TRYCREATE].
    const client = env.dovecot.client(USER);
    await client.connect();
    await client.mailboxDelete('Processed');
    await client.logout();

    await env.dovecot.append(USER, 'INBOX', email({ subject: 'refused-2', messageId: '<refused-2@customer.test>' }));
    await waitForTickets(env.app, 'refused-', 2);
    await settledRow('refused-2');
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);
    expect(await env.dovecot.count(USER, 'Processed')).toBe(1);
  }, 60_000);
});
