import { MailboxService } from '@app/intake';
import { PlatformModule } from '@app/platform';
import { startDovecot, waitFor, type TestDovecot } from '@app/testing';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PollerModule } from '../../../apps/poller/src/poller.module';
import { startTestApp, type TestApp } from '../../support/test-app';

export const USER = 'support@desk.test';
/** USER's password on the private Dovecot. */
export const USER_PASSWORD = 'secret';

/** IMAP settings for tests: fast polling, short locks, quick reconnects. */
export const IMAP_TEST_ENV: Record<string, string> = {
  IMAP_POLL_INTERVAL_MS: '1000',
  IMAP_LOCK_TTL_MS: '3000',
  IMAP_RECONNECT_MAX_MS: '500',
  IMAP_FETCH_PAGE_SIZE: '10',
};

export interface ImapEnv {
  app: TestApp;
  dovecot: TestDovecot;
  mailboxId: string;
  startPoller(): Promise<INestApplicationContext>;
  close(): Promise<void>;
}

/**
 * A test app (api + worker in-process) against its own database and Redis prefix, a private
 * Dovecot, and one mailbox configured for it. The poller runs as its own Nest context so a test
 * can stop and start it.
 */
export async function startImapEnv(
  // An env value of undefined removes the variable (e.g. REDIS_URL: undefined for PostgreSQL mode).
  options: { worker?: boolean; env?: Record<string, string | undefined>; mailbox?: Record<string, unknown> } = {},
): Promise<ImapEnv> {
  const dovecot = await startDovecot({ [USER]: USER_PASSWORD });
  const env = { ...IMAP_TEST_ENV, ...options.env } as Record<string, string>;
  const app = await startTestApp({ worker: options.worker ?? true, env });
  const mailbox = await app.app.get(MailboxService).create({
    name: 'support',
    address: USER,
    host: dovecot.host,
    port: dovecot.port,
    tls: false,
    username: USER,
    password: USER_PASSWORD,
    ...options.mailbox,
  });
  const pollers: INestApplicationContext[] = [];
  return {
    app,
    dovecot,
    mailboxId: mailbox.id,
    startPoller: async () => {
      @Module({ imports: [PlatformModule.forRoot(app.config, app.database.url), PollerModule] })
      class PollerRoot {}
      const ctx = await NestFactory.createApplicationContext(PollerRoot, { logger: false });
      ctx.enableShutdownHooks();
      await ctx.init();
      pollers.push(ctx);
      return ctx;
    },
    close: async () => {
      for (const p of pollers) await p.close().catch(() => undefined);
      await app.close();
      await dovecot.destroy();
    },
  };
}

let counter = 0;

/** A small realistic email; `id` makes Message-ID and subject unique unless given. */
export function email(options: { subject?: string; from?: string; body?: string; messageId?: string } = {}): Buffer {
  counter += 1;
  const id = options.messageId ?? `<t${Date.now()}.${counter}@customer.test>`;
  const lines = [
    `From: ${options.from ?? 'Ada Customer <ada@customer.test>'}`,
    `To: ${USER}`,
    `Subject: ${options.subject ?? `Question ${counter}`}`,
    `Message-ID: ${id}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.body ?? `Hello, this is message ${counter}.`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

export async function ticketsWithSubjectPrefix(
  app: TestApp,
  prefix: string,
): Promise<Array<{ id: string; subject: string }>> {
  return app.dataSource.query(`SELECT id, subject FROM tickets WHERE subject LIKE $1 ORDER BY subject`, [`${prefix}%`]);
}

export async function waitForTickets(app: TestApp, prefix: string, count: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => (await ticketsWithSubjectPrefix(app, prefix)).length >= count, {
    timeoutMs,
    intervalMs: 100,
    what: `${count} tickets "${prefix}*"`,
  });
}
