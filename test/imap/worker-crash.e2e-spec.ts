import { InboundMessageEntity } from '@app/database';
import { waitFor } from '@app/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { email, startImapEnv, ticketsWithSubjectPrefix, USER, waitForTickets, type ImapEnv } from './support/imap-env';

const ROOT = join(__dirname, '..', '..');

/**
 * Fault test (a): the worker is a real child process that SIGKILLs itself (INTAKE_TEST_CRASH_AT,
 * test-only) after parsing, after the commit, or after the server-side move. After a restart the
 * end state is always one ticket per message, and the server copy left the inbox only if its
 * ticket exists.
 */
describe('worker killed mid-flight (SIGKILL)', () => {
  let env: ImapEnv;
  let child: ChildProcess | null = null;
  // Every worker started, so that none outlives its test: a test that fails before its worker
  // exits would otherwise leave it running (and taking jobs) after the suite.
  const started = new Set<ChildProcess>();

  async function killAll(): Promise<void> {
    const running = [...started].filter((p) => p.exitCode === null && p.signalCode === null);
    await Promise.all(
      running.map((p) => {
        const gone = new Promise((resolve) => p.once('exit', resolve));
        p.kill('SIGKILL');
        return gone;
      }),
    );
    started.clear();
  }

  beforeAll(async () => {
    env = await startImapEnv({ worker: false });
    await env.startPoller();
  });
  afterEach(killAll);
  afterAll(async () => {
    await killAll();
    await env?.close();
  });

  function startWorker(crashAt?: string): ChildProcess {
    const { config, database } = env.app;
    const proc = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(ROOT, 'test/imap/support/worker-child.ts')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          DATABASE_URL: database.url,
          REDIS_URL: config.values.REDIS_URL,
          QUEUE_PREFIX: config.values.QUEUE_PREFIX,
          APP_SECRET: config.values.APP_SECRET,
          LOG_LEVEL: 'silent',
          QUEUE_ATTEMPTS: '5',
          ...(crashAt ? { INTAKE_TEST_CRASH_AT: crashAt } : {}),
        },
      },
    );
    proc.stderr?.resume();
    started.add(proc);
    return proc;
  }

  async function serverState(subject: string): Promise<{ inInbox: boolean; tickets: number }> {
    const inbox = await env.dovecot.list(USER, 'INBOX');
    return {
      inInbox: inbox.some((m) => m.source.includes(`Subject: ${subject}`)),
      tickets: (await ticketsWithSubjectPrefix(env.app, subject)).length,
    };
  }

  it.each([
    ['after-parse', { ticketAtCrash: 0, inInboxAtCrash: true }],
    ['after-commit', { ticketAtCrash: 1, inInboxAtCrash: true }],
    ['after-settle', { ticketAtCrash: 1, inInboxAtCrash: false }],
  ] as const)(
    'crash %s → one ticket, and the server copy is gone only once its ticket exists',
    async (point, expected) => {
      const subject = `crash-${point}`;
      child = startWorker(point);
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child?.once('exit', (_code, signal) => resolve(signal)),
      );
      await env.dovecot.append(USER, 'INBOX', email({ subject }));
      expect(await exited).toBe('SIGKILL');

      const atCrash = await serverState(subject);
      expect(atCrash.tickets).toBe(expected.ticketAtCrash);
      expect(atCrash.inInbox).toBe(expected.inInboxAtCrash);
      // The invariant: never gone from the server without a ticket.
      if (!atCrash.inInbox) expect(atCrash.tickets).toBe(1);

      child = startWorker();
      await waitForTickets(env.app, subject, 1, 30_000);
      await waitFor(
        async () => {
          const row = await env.app.dataSource
            .getRepository(InboundMessageEntity)
            .findOne({ where: { mailboxId: env.mailboxId }, order: { createdAt: 'DESC' } });
          return row?.settledAt ? row : undefined;
        },
        { timeoutMs: 30_000, what: 'settled' },
      );
      const after = await serverState(subject);
      expect(after).toEqual({ inInbox: false, tickets: 1 });
      const processed = await env.dovecot.list(USER, 'Processed');
      expect(processed.filter((m) => m.source.includes(`Subject: ${subject}`))).toHaveLength(1);
      const messages = await env.app.dataSource.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.subject = $1 AND m.direction = 'in'`,
        [subject],
      );
      expect(Number(messages[0]?.n)).toBe(1);

      const stopped = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await stopped;
      child = null;
    },
    90_000,
  );
});
