// npm run bench:memory — M4 of issue 16: a worker process alone (apps/worker, as `npm run
// start:worker` runs it) takes a backlog of BENCH_MAIL (2000) ordinary messages with one message
// carrying a BENCH_ATTACHMENT_MB (25) MB attachment in the middle. The messages are APPENDed to a
// private Dovecot and staged by a poller process; the worker starts after its /health answers.
// Acknowledgements are on and go to an SMTP sink process (BENCH_SMTP=0: no mail server).
// Measured from outside the worker: peak RSS (VmHWM in /proc/PID/status, and VmRSS sampled every
// 20 ms), and event-loop lag p99/max from its own /metrics (prom-client's monitorEventLoopDelay
// histogram, reset by the scrape taken just before the backlog starts). Goals: ≤ 300 MB, ≤ 200 ms.
import { MailboxesModule, MailboxService } from '@app/intake';
import { loadConfig } from '@app/config';
import { createDataSource, runMigrations } from '@app/database';
import { PlatformModule } from '@app/platform';
import { createTestDatabase, createTestRedis, freePort, startDovecot, waitFor } from '@app/testing';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import MailComposer from 'nodemailer/lib/mail-composer';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  load1,
  machineLine,
  measuredBlock,
  buildIfStale,
  nodeFlagsOf,
  startProcess,
  stopProcess,
  writeBenchBlock,
  runBench,
  startSinkProcess,
} from './support';

const MAIL = Number(process.env.BENCH_MAIL ?? 2000);
const ATTACHMENT_MB = Number(process.env.BENCH_ATTACHMENT_MB ?? 25);
const USER = 'memory@desk.test';

async function compose(i: number, attachment?: Buffer): Promise<Buffer> {
  const mail = new MailComposer({
    from: `Customer ${i} <memory-${i}@customer.test>`,
    to: USER,
    subject: `memory ${i}: order question`,
    messageId: `<memory-${i}-${randomBytes(4).toString('hex')}@customer.test>`,
    text: `Hello,\n\nmy order ${i} has not arrived yet.\n\n${'Some more context. '.repeat(30)}`,
    html: i % 2 ? `<p>Hello,</p><p>my order <b>${i}</b> has not arrived yet.</p>` : undefined,
    attachments: attachment ? [{ filename: 'scan.pdf', content: attachment, contentType: 'application/pdf' }] : [],
  });
  return new Promise<Buffer>((resolve, reject) =>
    mail.compile().build((error, message) => (error ? reject(error) : resolve(message))),
  );
}

/** kB fields of /proc/PID/status (VmRSS, VmHWM), in MB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  buildIfStale();
  const loadBefore = load1();
  const database = await createTestDatabase('bench');
  const redis = createTestRedis('bench');
  const dovecot = await startDovecot({ [USER]: 'secret' });
  const metricsPort = await freePort();
  // Acknowledgements on, through an SMTP sink in a process of its own, as a real worker sends them
  // (its SMTP thread is part of what is measured); BENCH_SMTP=0 runs without a mail server.
  const sink = process.env.BENCH_SMTP === '0' ? null : await startSinkProcess({ nice: 0 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    APP_SECRET: 'bench-secret-bench-secret-bench-secret-0',
    MAILBOX_ENCRYPTION_KEY: 'bench-mailbox-key-bench-mailbox-key-00',
    LOG_LEVEL: 'warn',
    IMAP_FETCH_PAGE_SIZE: '50',
    ...(sink ? { SMTP_URL: sink.url, ACK_ENABLED: 'true' } : {}),
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) =>
          k.startsWith('MALLOC_') ||
          k.startsWith('INTAKE_BATCH_') ||
          k === 'WORKER_MEMORY_SAVER' ||
          k === 'OUTBOUND_CONCURRENCY',
      ),
    ),
  };
  const migrator = createDataSource(database.url, 2);
  await migrator.initialize();
  await runMigrations(migrator);
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  @Module({ imports: [PlatformModule.forRoot(config, database.url), MailboxesModule] })
  class SetupRoot {}
  const setup = await NestFactory.createApplicationContext(SetupRoot, { logger: false });
  await setup.get(MailboxService).create({
    name: 'memory',
    address: USER,
    host: dovecot.host,
    port: dovecot.port,
    tls: false,
    username: USER,
    password: 'secret',
  });
  await setup.close();

  const big = randomBytes(ATTACHMENT_MB * 1024 * 1024);
  const bigSha = createHash('sha256').update(big).digest('hex');
  const appender = dovecot.client(USER);
  await appender.connect();
  let bigRawMb = 0;
  for (let i = 0; i < MAIL; i++) {
    if (i === Math.floor(MAIL / 2)) {
      const raw = await compose(-1, big);
      bigRawMb = raw.length / 1024 / 1024;
      await appender.append('INBOX', raw);
    }
    await appender.append('INBOX', await compose(i));
  }
  await appender.logout();

  const output: string[] = [];
  const worker = startProcess('worker', { ...env, WORKER_METRICS_PORT: String(metricsPort) }, output);
  let poller: ReturnType<typeof startProcess> | null = null;
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  try {
    await waitFor(async () => (await fetch(`${metricsUrl}/health`).catch(() => undefined))?.ok === true, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: `worker health (${output.slice(-3).join(' | ')})`,
    });
    const pid = worker.pid ?? 0;
    const idle = memory(pid);
    const idleScrape = await fetch(`${metricsUrl}/metrics`).then((r) => r.text()); // resets the lag histogram
    const heap = (text: string): string =>
      ['heap_size_used_bytes', 'heap_size_total_bytes', 'external_memory_bytes']
        .map(
          (m) =>
            `${m.replace(/_bytes$/, '').replace(/_/g, ' ')} ${(metric(text, `intake_process_nodejs_${m}`) / 1048576).toFixed(0)} MB`,
        )
        .join(', ');
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(memory(pid).rss), 20);
    const started = Date.now();
    poller = startProcess('poller', env, output);
    const total = MAIL + 1;
    await waitFor(
      async () =>
        Number(
          (
            await migrator.query<Array<{ n: string }>>(
              `SELECT count(*) AS n FROM tickets WHERE subject LIKE 'memory %'`,
            )
          )[0]?.n,
        ) >= total,
      { timeoutMs: 900_000, intervalMs: 200, what: `${total} tickets (${output.slice(-3).join(' | ')})` },
    );
    // With a mail server, until every acknowledgement has gone out (each sender is a new one).
    if (sink)
      await waitFor(() => sink.received() >= total, {
        timeoutMs: 300_000,
        intervalMs: 200,
        what: `${total} acknowledgements (${sink.received()} so far)`,
      });
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const scrape = await fetch(`${metricsUrl}/metrics`).then((r) => r.text());
    const end = memory(pid);
    const heapIdle = heap(idleScrape);
    const heapEnd = heap(scrape);
    const lagP99 = metric(scrape, 'intake_process_nodejs_eventloop_lag_p99_seconds') * 1000;
    const lagMax = metric(scrape, 'intake_process_nodejs_eventloop_lag_max_seconds') * 1000;
    // The checksum recorded for the attachment and the one of the bytes stored under its key.
    const [att] = await migrator.query<Array<{ size: number; sha256: string; stored: string }>>(
      `SELECT a.size, a.sha256, encode(sha256(c.data), 'hex') AS stored
         FROM attachments a JOIN attachment_contents c ON c.key = a.storage_key WHERE a.filename = 'scan.pdf'`,
    );
    const intact = att?.sha256 === bigSha && att.stored === bigSha && Number(att.size) === big.length;
    const peak = Math.max(end.hwm, ...samples);
    const lines = [
      `**M4** a worker process alone (\`apps/worker\`, NODE_ENV=production, WORKER_MEMORY_SAVER=${process.env.WORKER_MEMORY_SAVER ?? 'true (default)'}, \`node ${nodeFlagsOf('worker').join(' ')}\`) takes ${MAIL} ordinary messages and, in the middle, one with a ${ATTACHMENT_MB} MB attachment (${bigRawMb.toFixed(1)} MB as MIME), staged by a poller process from a private Dovecot: ${total} tickets${sink ? ` and ${sink.received()} acknowledgements through an SMTP sink` : ' (no mail server: acknowledgements not sent)'} in ${seconds.toFixed(1)} s; the attachment ${intact ? 'stored intact (size, recorded and stored sha256 equal)' : 'NOT stored intact'}`,
      `worker RSS: ${idle.rss.toFixed(0)} MB idle before the backlog (start-up high-water mark ${idle.hwm.toFixed(0)} MB), **peak ${peak.toFixed(0)} MB** (VmHWM; goal ≤ 300 MB), ${end.rss.toFixed(0)} MB after; main thread's V8 at idle: ${heapIdle}; after: ${heapEnd}`,
      `worker event-loop lag during the backlog (monitorEventLoopDelay via its /metrics): **p99 ${lagP99.toFixed(0)} ms**, max ${lagMax.toFixed(0)} ms (goal p99 ≤ 200 ms)`,
      `machine: ${machineLine()}`,
      `command: ${process.env.WORKER_MEMORY_SAVER !== undefined ? `WORKER_MEMORY_SAVER=${process.env.WORKER_MEMORY_SAVER} ` : ''}${process.env.BENCH_NODE_FLAGS !== undefined ? `BENCH_NODE_FLAGS='${process.env.BENCH_NODE_FLAGS}' ` : ''}${sink ? '' : 'BENCH_SMTP=0 '}BENCH_MAIL=${MAIL} BENCH_ATTACHMENT_MB=${ATTACHMENT_MB} npm run bench:memory`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!intact) process.exitCode = 1;
    if (process.env.BENCH_WRITE !== '0')
      writeBenchBlock('memory', 'Worker memory and event-loop lag (issue 16, M4)', measuredBlock(lines, loadBefore));
  } finally {
    if (poller) await stopProcess(poller);
    await stopProcess(worker);
    await sink?.close();
    await migrator.destroy();
    await dovecot.destroy();
    await redis.drop();
    await database.drop();
  }
}

runBench(main);
