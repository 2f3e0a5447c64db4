import { InboundMessageEntity } from '@app/database';
import { StageEmailUseCase } from '@app/intake';
import { waitFor } from '@app/testing';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * A TCP proxy in front of Dovecot that, once armed, closes the connection on which the client
 * next sends a NOOP, before the server sees it.
 */
async function startNoopCutter(target: number): Promise<{ port: number; arm(): void; cuts(): number; close(): void }> {
  const sockets = new Set<Socket>();
  let armed = false;
  let cuts = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client);
    const close = (): void => {
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (armed && / NOOP\r\n/i.test(chunk.toString('latin1'))) {
        armed = false;
        cuts += 1;
        close();
        return;
      }
      upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    arm: () => {
      armed = true;
    },
    cuts: () => cuts,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/**
 * Settle sends a NOOP before its UID SEARCH. imapflow swallows a failed NOOP, and once the
 * connection is gone its search answers undefined, not a list: read as "no match", every message
 * of the batch counted as already gone and was marked settled while its copy stayed in INBOX,
 * where nothing would ever look at it again (found by the chaos soak).
 */
describe('IMAP settle: the connection drops under the search', () => {
  let env: ImapEnv;
  let cutter: Awaited<ReturnType<typeof startNoopCutter>>;

  beforeAll(async () => {
    // No poller: the worker's settle connection is the only one through the proxy.
    env = await startImapEnv();
    cutter = await startNoopCutter(env.dovecot.port);
    await env.app.dataSource.query(`UPDATE mailboxes SET port = $2, updated_at = now() WHERE id = $1`, [
      env.mailboxId,
      cutter.port,
    ]);
  });
  afterAll(async () => {
    cutter?.close();
    await env?.close();
  });

  it('does not mark the row settled on a search without an answer; a fresh session moves the copy', async () => {
    const raw = email({ subject: 'dropped-1', messageId: '<dropped-1@customer.test>' });
    const uid = await env.dovecot.append(USER, 'INBOX', raw);
    const uidValidity = await env.dovecot.uidValidity(USER, 'INBOX');
    cutter.arm();
    await env.app.app.get(StageEmailUseCase).executeBatch(env.mailboxId, uidValidity, [{ uid: uid!, raw }]);
    await waitForTickets(env.app, 'dropped-', 1);

    const row = await waitFor(
      async () =>
        (await env.app.dataSource.getRepository(InboundMessageEntity).findOne({
          where: { messageIdHeader: '<dropped-1@customer.test>' },
        })) ?? undefined,
      { what: 'the staging row' },
    );
    await waitFor(
      async () => !!(await env.app.dataSource.getRepository(InboundMessageEntity).findOneBy({ id: row.id }))?.settledAt,
      { what: 'the row settled', timeoutMs: 30_000 },
    );
    expect(cutter.cuts()).toBe(1);
    // Settled only once the copy really left INBOX.
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);
    expect(await env.dovecot.count(USER, 'Processed')).toBe(1);
  }, 60_000);
});
