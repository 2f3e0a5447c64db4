import { InboundMessageEntity } from '@app/database';
import { StageEmailUseCase } from '@app/intake';
import { startTcpProxy, waitFor } from '@app/testing';
import { email, startImapEnv, USER, waitForTickets, type ImapEnv } from './support/imap-env';

/**
 * A proxy in front of Dovecot that, once armed, acts on the next client command matching `pattern`:
 * 'cut' closes that connection before the server sees the command; a function rewrites the
 * command's bytes instead. Each arming applies once.
 */
async function startImapProxy(target: number): Promise<{
  port: number;
  once(pattern: RegExp, action: 'cut' | ((command: string) => string)): void;
  fired(): number;
  close(): void;
}> {
  let armed: { pattern: RegExp; action: 'cut' | ((command: string) => string) } | null = null;
  let fired = 0;
  const proxy = await startTcpProxy(target, {
    fromClient: (chunk) => {
      const text = chunk.toString('latin1');
      if (!armed || !armed.pattern.test(text)) return undefined;
      const { action } = armed;
      armed = null;
      fired += 1;
      return action === 'cut' ? { cut: true } : { forward: Buffer.from(action(text), 'latin1') };
    },
  });
  return {
    port: proxy.port,
    once: (pattern, action) => {
      armed = { pattern, action };
    },
    fired: () => fired,
    close: () => proxy.close(),
  };
}

/**
 * Settle marks a row settled only on what the server confirmed. Three ways it was fooled before:
 * imapflow swallows a failed NOOP, and once the connection is gone its search answers undefined,
 * not a list; a UID SEARCH on a long-lived session can miss a copy that is there (its view of the
 * folder behind the server's); and a UID MOVE answers OK for UIDs it skipped. Each made the batch
 * count copies as gone or moved while they stayed in INBOX, where nothing would look at them again
 * (found by the chaos soak). Here a proxy between the worker and Dovecot produces each once.
 */
describe('IMAP settle: only what the server confirmed', () => {
  let env: ImapEnv;
  let proxy: Awaited<ReturnType<typeof startImapProxy>>;
  let sent = 0;

  beforeAll(async () => {
    // No poller: the worker's settle connection is the only one through the proxy.
    env = await startImapEnv();
    proxy = await startImapProxy(env.dovecot.port);
    await env.app.dataSource.query(`UPDATE mailboxes SET port = $2, updated_at = now() WHERE id = $1`, [
      env.mailboxId,
      proxy.port,
    ]);
  });
  afterAll(async () => {
    proxy?.close();
    await env?.close();
  });

  /** APPENDs one message, stages it as the poller would, and waits until its row is settled. */
  async function settleOne(subject: string, arm: () => void): Promise<void> {
    const raw = email({ subject, messageId: `<${subject}@customer.test>` });
    const uid = await env.dovecot.append(USER, 'INBOX', raw);
    const uidValidity = await env.dovecot.uidValidity(USER, 'INBOX');
    arm();
    await env.app.app.get(StageEmailUseCase).executeBatch(env.mailboxId, uidValidity, [{ uid: uid!, raw }]);
    await waitForTickets(env.app, subject, 1);
    await waitFor(
      async () =>
        !!(
          await env.app.dataSource.getRepository(InboundMessageEntity).findOneBy({
            messageIdHeader: `<${subject}@customer.test>`,
          })
        )?.settledAt,
      { what: `${subject} settled`, timeoutMs: 30_000 },
    );
    sent += 1;
    expect(proxy.fired()).toBe(sent);
    // Settled only once the copy really left INBOX.
    expect(await env.dovecot.count(USER, 'INBOX')).toBe(0);
    expect(await env.dovecot.count(USER, 'Processed')).toBe(sent);
  }

  it('a search without an answer (the connection dropped under the NOOP before it)', async () => {
    await settleOne('dropped-1', () => proxy.once(/ NOOP\r\n/i, 'cut'));
  }, 60_000);

  it('a search that does not find a copy which is there', async () => {
    // The UID asked for becomes one that does not exist: the answer is an empty list.
    await settleOne('unseen-1', () =>
      proxy.once(/ UID SEARCH UID \d+/i, (command) => command.replace(/UID SEARCH UID \d+/i, 'UID SEARCH UID 999999')),
    );
  }, 60_000);

  it('a MOVE answered OK that moved nothing', async () => {
    await settleOne('skipped-1', () =>
      proxy.once(/ UID MOVE \d+/i, (command) => command.replace(/UID MOVE \d+/i, 'UID MOVE 999999')),
    );
  }, 60_000);
});
