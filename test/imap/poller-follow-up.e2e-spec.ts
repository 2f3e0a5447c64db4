import { InboundMessageEntity } from '@app/database';
import { waitFor } from '@app/testing';
import { email, startImapEnv, USER, type ImapEnv } from './support/imap-env';

/**
 * While mail keeps arriving, the poller asks the server again (NOOP) shortly after each sync
 * instead of waiting for IDLE, whose notice Dovecot holds back for half a second. Here IDLE never
 * starts (IMAP_IDLE_DELAY_MS one minute) and the polling fallback never runs (one hour), so the
 * follow-up NOOP is the only way the poller can hear of new mail.
 */
describe('IMAP intake: follow-up checks while mail is arriving', () => {
  let env: ImapEnv;

  beforeAll(async () => {
    env = await startImapEnv({ env: { IMAP_IDLE_DELAY_MS: '60000', IMAP_POLL_INTERVAL_MS: '3600000' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  const stagedCount = () =>
    env.app.dataSource.getRepository(InboundMessageEntity).countBy({ mailboxId: env.mailboxId });

  it('finds mail that arrives soon after other mail without IDLE, and goes quiet once mail stops', async () => {
    // The session's first sync (at connect) finds the first message.
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'follow-up 1' }));
    await env.startPoller();
    await waitFor(async () => (await stagedCount()) >= 1 || undefined, {
      what: 'first message staged',
      timeoutMs: 30_000,
    });

    // Within two seconds of it: found by a follow-up NOOP.
    await new Promise((r) => setTimeout(r, 500));
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'follow-up 2' }));
    await waitFor(async () => (await stagedCount()) >= 2 || undefined, {
      what: 'second message staged',
      timeoutMs: 10_000,
    });

    // Quiet for longer than the window: no more NOOPs, so (without IDLE or polling) the next
    // message waits on the server.
    await new Promise((r) => setTimeout(r, 3_000));
    await env.dovecot.append(USER, 'INBOX', email({ subject: 'follow-up 3' }));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await stagedCount()).toBe(2);
  }, 60_000);
});
