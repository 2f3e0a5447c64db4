/**
 * Chaos soak (`npm run soak`; `npm run soak:ci` is the short version CI runs).
 *
 * Emails APPENDed to a private Dovecot across 3 mailboxes plus web-form requests, processed by two
 * worker and two poller processes (and one api) against a private PostgreSQL and Redis, while a
 * chaos loop SIGKILLs a random worker or poller every few seconds (a supervisor restarts it, as
 * compose's `restart: unless-stopped` would), restarts Redis twice and PostgreSQL once, and drops
 * IMAP connections in the middle of a FETCH through a TCP proxy between the pollers and Dovecot.
 * Then it counts, in the database, on the IMAP server and in the SMTP sink: lost, duplicated,
 * moved before committed, acknowledgements per recipient, raw bytes left. Prints a table, writes it
 * to BENCHMARKS.md, exits 1 when any count is wrong.
 *
 * SOAK_EMAILS (10000), SOAK_FORMS (2000), SOAK_KILL_EVERY_MS (3000), SOAK_TIMEOUT_MS (1800000),
 * SOAK_WRITE (1: update BENCHMARKS.md).
 */
import { createDataSource, runMigrations, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@app/database';
import { startDovecot, startSmtpSink, startTcpProxy, freePort, waitFor, type TestDovecot } from '@app/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MailboxService } from '@app/intake';
import { PlatformModule } from '@app/platform';
import { loadConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { buildIfStale, nodeFlagsOf } from './support';
import { NestFactory } from '@nestjs/core';
import { MailboxesModule } from '@app/intake';
import { QueueName } from '@app/queue';
import { Queue } from 'bullmq';

const ROOT = join(__dirname, '..');
const EMAILS = Number(process.env.SOAK_EMAILS ?? 10_000);
const FORMS = Number(process.env.SOAK_FORMS ?? 2_000);
const KILL_EVERY_MS = Number(process.env.SOAK_KILL_EVERY_MS ?? 3000);
const TIMEOUT_MS = Number(process.env.SOAK_TIMEOUT_MS ?? 30 * 60_000);
const USERS = ['one@desk.test', 'two@desk.test', 'three@desk.test'];
const APP_SECRET = 'soak-secret-soak-secret-soak-secret-00';
const MAILBOX_KEY = 'soak-mailbox-key-soak-mailbox-key-000';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stderr.write(`soak: ${line}\n`);

/** Redis with AOF (fsync always), on its own port and directory; `restart()` SIGKILLs it. */
async function startRedis(dir: string): Promise<{ url: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  let proc: ChildProcess;
  const start = async (): Promise<void> => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
      { cwd: dir, stdio: 'ignore' },
    );
    proc.on('error', () => undefined);
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const s = connect(port, '127.0.0.1', () => {
            s.end();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
      { timeoutMs: 10_000, what: 'redis' },
    );
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    restart: async () => {
      await stop();
      await sleep(500);
      await start();
    },
    stop,
  };
}

/**
 * A TCP proxy in front of Dovecot. `dropMidFetch()` arms it: the next server chunk carrying a FETCH
 * response cuts that connection in the middle of it.
 */
async function startProxy(
  target: number,
): Promise<{ port: number; dropMidFetch(): void; drops(): number; close(): void }> {
  let armed = false;
  let drops = 0;
  const proxy = await startTcpProxy(target, {
    fromServer: (chunk) => {
      if (!armed || !chunk.includes(' FETCH (')) return undefined;
      armed = false;
      drops += 1;
      return { forward: chunk.subarray(0, Math.floor(chunk.length / 2)), cut: true };
    },
  });
  return {
    port: proxy.port,
    dropMidFetch: () => {
      armed = true;
    },
    drops: () => drops,
    close: () => proxy.close(),
  };
}

interface Supervised {
  name: string;
  kill(): void;
  stop(): Promise<void>;
  restarts(): number;
}

/**
 * Runs one of the desk's processes (`app`: api, worker, poller) from `dist/` as its `npm run start:*`
 * script does, and starts it again whenever it ends (SIGKILL, a crash), like a supervisor. Built
 * code starts in about a second; compiling the TypeScript at every restart made the chaos loop kill
 * processes before they were up when the machine was busy.
 */
function supervise(name: string, app: string, env: NodeJS.ProcessEnv, output: string[]): Supervised {
  let child: ChildProcess;
  let stopping = false;
  let restarts = 0;
  const start = (): void => {
    child = spawn(process.execPath, [...nodeFlagsOf(app), join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      output.push(`[${name}] ${d.toString().trimEnd()}`);
      if (output.length > 400) output.splice(0, output.length - 400);
    });
    child.once('exit', () => {
      if (stopping) return;
      restarts += 1;
      setTimeout(start, 300);
    });
  };
  start();
  return {
    name,
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(hard);
    },
    restarts: () => restarts,
  };
}

function email(i: number, to: string): Buffer {
  return Buffer.from(
    [
      `From: Customer ${i} <c${i}@customer.test>`,
      `To: ${to}`,
      `Subject: soak-mail-${i}`,
      `Message-ID: <soak-${i}@customer.test>`,
      `Date: ${new Date().toUTCString()}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Hello, this is soak message ${i}. ${'Some text to make it a realistic size. '.repeat(20)}`,
      '',
    ].join('\r\n'),
  );
}

/** The Message-ID header of a raw message (synthetic soak mail: one line, no folding). */
function messageIdOf(source: Buffer): string | undefined {
  return /^Message-ID: (.*)$/im.exec(source.toString('latin1'))?.[1]?.trim();
}

/**
 * One line per message still in an INBOX at the end: its UID and flags on the server, its staging
 * row (status, UIDVALIDITY/UID, settled or not) and its settle job's state, so a stall says where
 * the chain stopped. Synthetic soak mail only: no personal data.
 */
async function describeLeftovers(
  dovecot: TestDovecot,
  query: <T>(sql: string, params?: unknown[]) => Promise<T[]>,
  redisUrl: string,
): Promise<string[]> {
  const queue = new Queue(QueueName.ImapSettle, { connection: { url: redisUrl }, prefix: 'soak' });
  const lines: string[] = [];
  try {
    for (const user of USERS) {
      const uidValidity = await dovecot.uidValidity(user, 'INBOX').catch(() => 0);
      const messages = await dovecot
        .list(user, 'INBOX')
        .then((found) => found.map((m) => ({ uid: m.uid, flags: m.flags, id: messageIdOf(m.source) })))
        .catch((e: Error) => [{ uid: 0, flags: [], id: `(could not list: ${e.message})` }]);
      for (const m of messages) {
        const rows = await query<{
          id: string;
          status: string;
          uid_validity: string;
          uid: string;
          settled_at: Date | null;
        }>(`SELECT id, status, uid_validity, uid, settled_at FROM inbound_messages WHERE message_id_header = $1`, [
          m.id,
        ]);
        const described = await Promise.all(
          rows.map(async (r) => {
            const job = await queue.getJobState(`settle-${r.id}`).catch(() => '?');
            return `row ${r.status} ${r.uid_validity}/${r.uid} settled=${r.settled_at ? r.settled_at.toISOString() : 'no'} settle-job=${job}`;
          }),
        );
        lines.push(
          `  ${user} ${uidValidity}/${m.uid} [${m.flags.join(' ')}] ${m.id ?? '(no Message-ID)'}: ${described.join('; ') || 'no row'}`,
        );
      }
    }
  } finally {
    await queue.close();
  }
  return lines;
}

async function main(): Promise<void> {
  buildIfStale();
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'intake-soak-'));
  chmodSync(dir, 0o755);
  const output: string[] = [];
  log(`${EMAILS} emails + ${FORMS} form requests, 2 workers + 2 pollers, chaos every ${KILL_EVERY_MS} ms`);

  const pgPort = await freePort();
  let pg: EmbeddedPostgresHandle = await startEmbeddedPostgres(join(dir, 'pg', 'data'), pgPort);
  const redis = await startRedis(join(dir, 'redis'));
  const dovecot: TestDovecot = await startDovecot(Object.fromEntries(USERS.map((u) => [u, 'secret'])));
  const proxy = await startProxy(dovecot.port);
  const sink = await startSmtpSink();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'soak',
    APP_SECRET,
    MAILBOX_ENCRYPTION_KEY: MAILBOX_KEY,
    LOG_LEVEL: 'error',
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    IMAP_POLL_INTERVAL_MS: '2000',
    IMAP_LOCK_TTL_MS: '3000',
    IMAP_RECONNECT_MAX_MS: '1000',
    FORM_RATE_LIMIT_PER_HOUR: '100000',
    QUEUE_ATTEMPTS: '20',
    INTAKE_REQUEUE_INTERVAL_MS: '5000',
    WORKER_METRICS_PORT: '0',
    POLLER_METRICS_PORT: '0',
  };

  // Schema and the three mailboxes (through the real service: passwords encrypted as in use).
  const migrator = createDataSource(pg.url, 2);
  await migrator.initialize();
  await runMigrations(migrator);
  await migrator.destroy();
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  @Module({ imports: [PlatformModule.forRoot(config, pg.url), MailboxesModule] })
  class SetupRoot {}
  const setup = await NestFactory.createApplicationContext(SetupRoot, { logger: false });
  for (const user of USERS) {
    await setup.get(MailboxService).create({
      name: user,
      address: user,
      host: '127.0.0.1',
      port: proxy.port,
      tls: false,
      username: user,
      password: 'secret',
    });
  }
  await setup.close();

  const apiPort = await freePort();
  const processes = [
    supervise('api', 'api', { ...env, PORT: String(apiPort) }, output),
    supervise('worker-1', 'worker', env, output),
    supervise('worker-2', 'worker', env, output),
    supervise('poller-1', 'poller', env, output),
    supervise('poller-2', 'poller', env, output),
  ];
  const victims = processes.filter((p) => p.name !== 'api');
  const api = `http://127.0.0.1:${apiPort}`;
  await waitFor(async () => (await fetch(`${api}/health`).catch(() => undefined))?.ok, {
    timeoutMs: 120_000,
    intervalMs: 500,
    what: 'the api',
  });

  // The first FETCH of the load is already cut (a short run may fetch everything in two seconds).
  proxy.dropMidFetch();

  // --- load: APPEND in the background, form requests in the background ---
  let appended = 0;
  const appending = (async () => {
    const clients = USERS.map((u) => dovecot.client(u));
    for (const c of clients) {
      c.on('error', () => undefined);
      await c.connect();
    }
    for (let i = 0; i < EMAILS; i++) {
      const k = i % USERS.length;
      await clients[k].append('INBOX', email(i, USERS[k]));
      appended += 1;
    }
    for (const c of clients) await c.logout().catch(() => undefined);
  })();
  const accepted: string[] = [];
  let refused = 0;
  const posting = (async () => {
    for (let i = 0; i < FORMS; i++) {
      for (;;) {
        const res = await fetch(`${api}/api/requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `Form ${i}`,
            email: `f${i}@form.test`,
            subject: `soak-form-${i}`,
            message: 'Hi',
          }),
        }).catch(() => null);
        // Not reached (api restarting): try again. An answer other than 202 is counted, not retried.
        if (res === null) {
          await sleep(200);
          continue;
        }
        if (res.status === 202) accepted.push(`soak-form-${i}`);
        else refused += 1;
        break;
      }
    }
  })();

  // --- chaos ---
  const faults = { kills: 0, redisRestarts: 0, pgRestarts: 0, imapDrops: 0 };
  let earlyMoves = 0;
  let loadDone = false;
  const chaos = (async () => {
    const plan = ['redis', 'pg', 'redis'];
    let step = 0;
    let lastKill = Date.now();
    let ticks = 0;
    while (!loadDone) {
      await sleep(250);
      // Every 2 s the next FETCH response is cut in the middle.
      if (++ticks % 8 === 0) proxy.dropMidFetch();
      if (Date.now() - lastKill >= KILL_EVERY_MS) {
        lastKill = Date.now();
        const victim = victims[Math.floor(Math.random() * victims.length)];
        victim.kill();
        faults.kills += 1;
      }
      const progress = (appended + accepted.length) / (EMAILS + FORMS);
      const next = plan[step];
      if (next && progress >= (step + 1) / (plan.length + 1)) {
        step += 1;
        if (next === 'redis') {
          log('restarting Redis');
          await redis.restart();
          faults.redisRestarts += 1;
        } else {
          log('restarting PostgreSQL');
          await pg.stop();
          await sleep(1000);
          pg = await startEmbeddedPostgres(join(dir, 'pg', 'data'), pgPort);
          faults.pgRestarts += 1;
        }
      }
    }
  })();

  // --- watch: nothing may sit in Processed before its ticket is committed ---
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    for (;;) {
      const c = new Client({ connectionString: pg.url });
      try {
        await c.connect();
        return (await c.query(sql, params)).rows as T[];
      } catch {
        await sleep(500);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  };
  const watching = (async () => {
    const checked = new Set<string>();
    while (!loadDone) {
      await sleep(2000);
      for (const user of USERS) {
        const moved = await dovecot.list(user, 'Processed').catch(() => []);
        const ids = moved.map((m) => messageIdOf(m.source)).filter((id): id is string => !!id && !checked.has(id));
        if (ids.length === 0) continue;
        // Read the folder first, the database second: a moved copy must already have its row.
        const rows = await query<{ id: string }>(
          `SELECT message_id_header AS id FROM messages WHERE message_id_header = ANY($1)`,
          [ids],
        );
        const committed = new Set(rows.map((r) => r.id));
        for (const id of ids) {
          if (committed.has(id)) checked.add(id);
          else {
            earlyMoves += 1;
            checked.add(id);
            log(`moved before committed: ${id}`);
          }
        }
      }
    }
  })();

  await Promise.all([appending, posting]);
  log(`load in: ${appended} emails appended, ${accepted.length} form requests accepted; waiting for the backlog`);
  const drained = await waitFor(
    async () => {
      const inbox = await Promise.all(USERS.map((u) => dovecot.count(u, 'INBOX').catch(() => -1)));
      const [open] = await query<{ n: string }>(
        `SELECT count(*) AS n FROM inbound_messages WHERE status NOT IN ('processed','quarantined') OR (status = 'processed' AND settled_at IS NULL AND kind = 'email')`,
      );
      return inbox.every((n) => n === 0) && Number(open?.n) === 0;
    },
    { timeoutMs: TIMEOUT_MS, intervalMs: 2000, what: 'the backlog to drain' },
  ).catch((e: Error) => {
    log(e.message);
    return false;
  });
  loadDone = true;
  await Promise.all([chaos, watching]);
  // Acknowledgements still on their way.
  await sleep(3000);

  // --- count ---
  const mailSubjects = await query<{ subject: string; n: string }>(
    `SELECT subject, count(*) AS n FROM tickets WHERE subject LIKE 'soak-mail-%' GROUP BY subject`,
  );
  const formSubjects = await query<{ subject: string; n: string }>(
    `SELECT subject, count(*) AS n FROM tickets WHERE subject LIKE 'soak-form-%' GROUP BY subject`,
  );
  const quarantined = await query<{ id: string; reason: string }>(
    `SELECT message_id_header AS id, reason FROM inbound_messages WHERE status = 'quarantined'`,
  ).catch(() => []);
  const messageDupes = await query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT message_id_header FROM messages WHERE message_id_header LIKE '<soak-%' GROUP BY 1 HAVING count(*) > 1) d`,
  );
  const rawLeft = await query<{ n: string }>(
    `SELECT count(*) AS n FROM inbound_messages WHERE raw IS NOT NULL AND status <> 'quarantined'`,
  );
  const onServer = await Promise.all(USERS.map((u) => dovecot.count(u, 'Processed')));
  const inboxLeft = await Promise.all(USERS.map((u) => dovecot.count(u, 'INBOX')));
  const leftovers = inboxLeft.some((n) => n > 0) ? await describeLeftovers(dovecot, query, redis.url) : [];

  const ticketed = new Set(mailSubjects.map((r) => r.subject));
  const quarantinedIds = new Set(quarantined.map((q) => q.id));
  let lostMail = 0;
  for (let i = 0; i < EMAILS; i++) {
    if (!ticketed.has(`soak-mail-${i}`) && !quarantinedIds.has(`<soak-${i}@customer.test>`)) lostMail += 1;
  }
  const formTicketed = new Set(formSubjects.map((r) => r.subject));
  const lostForms = accepted.filter((s) => !formTicketed.has(s)).length;
  const duplicated =
    mailSubjects.filter((r) => Number(r.n) > 1).length +
    formSubjects.filter((r) => Number(r.n) > 1).length +
    Number(messageDupes[0]?.n ?? 0);
  const acksPer = new Map<string, number>();
  for (const m of sink.messages) for (const to of m.to) acksPer.set(to, (acksPer.get(to) ?? 0) + 1);
  const ackedTwice = [...acksPer.values()].filter((n) => n > 1).length;

  for (const p of processes) await p.stop();
  proxy.close();
  await sink.close();
  await dovecot.destroy();
  await redis.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });

  const seconds = Math.round((Date.now() - started) / 1000);
  const rows: Array<[string, string, boolean]> = [
    ['emails APPENDed / form requests accepted', `${appended} / ${accepted.length} (${refused} refused)`, true],
    [
      'faults: SIGKILLs / Redis restarts / PostgreSQL restarts / IMAP drops mid-FETCH',
      `${faults.kills} / ${faults.redisRestarts} / ${faults.pgRestarts} / ${proxy.drops()}`,
      // Every kind of fault must have happened, or the run proves less than it says.
      faults.kills > 0 && faults.redisRestarts === 2 && faults.pgRestarts === 1 && proxy.drops() > 0,
    ],
    ['backlog drained', drained ? 'yes' : 'NO (timed out)', !!drained],
    ['lost (no ticket, follow-up or quarantine)', `${lostMail + lostForms}`, lostMail + lostForms === 0],
    ['quarantined (with reason)', `${quarantined.length}`, quarantined.every((q) => !!q.reason)],
    ['duplicated tickets or message rows', `${duplicated}`, duplicated === 0],
    ['server copies moved before their ticket committed', `${earlyMoves}`, earlyMoves === 0],
    ['recipients acknowledged more than once', `${ackedTwice} (of ${acksPer.size} acknowledged)`, ackedTwice === 0],
    ['staging rows with raw bytes left', `${rawLeft[0]?.n ?? '?'}`, Number(rawLeft[0]?.n) === 0],
    [
      'server copies in Processed / left in INBOX',
      `${onServer.reduce((a, b) => a + b, 0)} / ${inboxLeft.reduce((a, b) => a + b, 0)}`,
      true,
    ],
  ];
  const ok = rows.every(([, , pass]) => pass);
  const command = `SOAK_EMAILS=${EMAILS} SOAK_FORMS=${FORMS} SOAK_KILL_EVERY_MS=${KILL_EVERY_MS} npm run soak`;
  const table = [
    `Command: \`${command}\` · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version} · ${seconds} s · **${ok ? 'PASS' : 'FAIL'}**`,
    '',
    '| check | result | |',
    '| --- | --- | --- |',
    ...rows.map(([what, value, pass]) => `| ${what} | ${value} | ${pass ? 'ok' : '**FAIL**'} |`),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (leftovers.length > 0) process.stderr.write(`left in INBOX:\n${leftovers.join('\n')}\n`);
  if (!ok) process.stderr.write(`last process output:\n${output.slice(-60).join('\n')}\n`);
  if (process.env.SOAK_WRITE !== '0') {
    const file = join(ROOT, 'BENCHMARKS.md');
    const start = '<!-- soak:start -->';
    const end = '<!-- soak:end -->';
    const text = readFileSync(file, 'utf8');
    const section = `${start}\n${table}\n${end}`;
    writeFileSync(
      file,
      text.includes(start)
        ? text.slice(0, text.indexOf(start)) + section + text.slice(text.indexOf(end) + end.length)
        : `${text.trimEnd()}\n\n## Chaos soak\n\n${section}\n`,
    );
  }
  process.exit(ok ? 0 : 1);
}

void main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
