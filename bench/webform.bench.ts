// npm run bench:webform — M5 of issue 16: POST /api/requests at a fixed rate (BENCH_RATE, 200/s) for
// BENCH_SECONDS (60) with autocannon, against the desk run as its own process (BENCH_MODE
// all-in-one: api + worker + poller in one process, the default install; or split: an api process
// and a worker process), on the machine's PostgreSQL and Redis (a fresh database and key prefix)
// with acknowledgements on into an SMTP sink. Reports latency percentiles, errors, and whether
// every accepted request became exactly one ticket (and how long the worker took to drain).
import { createDataSource, runMigrations } from '@app/database';
import { createTestDatabase, createTestRedis, freePort, startSmtpSink, waitFor } from '@app/testing';
import autocannon from 'autocannon';
import {
  load1,
  machineLine,
  measuredBlock,
  sleep,
  buildIfStale,
  startProcess,
  stopProcess,
  writeBenchBlock,
  runBench,
} from './support';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const MODE = process.env.BENCH_MODE === 'split' ? 'split' : 'all-in-one';

/** Runs autocannon at RATE for `seconds`, each request a distinct requester and subject. */
async function fire(url: string, seconds: number, label: string): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url: `${url}/api/requests`,
    method: 'POST',
    connections: 20,
    overallRate: RATE,
    duration: seconds,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          i += 1;
          return {
            ...req,
            // Each requester from an address of its own, as customers reach the desk through the
            // reverse proxy (TRUST_PROXY's default believes X-Forwarded-For from loopback): the
            // per-IP form limit stays at its default.
            headers: { ...req.headers, 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
            body: JSON.stringify({
              name: `Requester ${i}`,
              email: `${label}-${i}@form.test`,
              subject: `${label}-${i}: my order has not arrived`,
              message: `Hello, order ${i} has not arrived yet. Could you look into it? ${'Some detail. '.repeat(10)}`,
            }),
          };
        },
      },
    ],
  });
}

async function main(): Promise<void> {
  buildIfStale();
  const loadBefore = load1();
  const database = await createTestDatabase('bench');
  const redis = createTestRedis('bench');
  const sink = await startSmtpSink();
  const migrator = createDataSource(database.url, 2);
  await migrator.initialize();
  await runMigrations(migrator);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    APP_SECRET: 'bench-secret-bench-secret-bench-secret-0',
    MAILBOX_ENCRYPTION_KEY: 'bench-mailbox-key-bench-mailbox-key-00',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    SMTP_URL: sink.url,
  };
  const output: string[] = [];
  const children =
    MODE === 'split'
      ? [startProcess('api', env, output), startProcess('worker', env, output)]
      : [startProcess('all-in-one', env, output)];
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: `desk (${output.slice(-3).join(' | ')})`,
    });
    const tickets = async (label: string): Promise<number> =>
      Number(
        (
          await migrator.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM tickets WHERE subject LIKE $1`, [
            `${label}-%`,
          ])
        )[0]?.n,
      );
    if (WARMUP_SECONDS > 0) {
      const warm = await fire(url, WARMUP_SECONDS, 'warm');
      await waitFor(async () => (await tickets('warm')) >= warm['2xx'], { timeoutMs: 300_000, what: 'warm-up' });
    }
    await sleep(1000);
    const result = await fire(url, SECONDS, 'bench');
    const ended = Date.now();
    const accepted = result['2xx'];
    await waitFor(async () => (await tickets('bench')) >= accepted, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'tickets for every accepted request',
    });
    const drained = (Date.now() - ended) / 1000;
    const [dup] = await migrator.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM (SELECT subject FROM tickets WHERE subject LIKE 'bench-%' GROUP BY subject HAVING count(*) > 1) d`,
    );
    const made = await tickets('bench');
    const l = result.latency;
    const errors = result.errors + result.timeouts + result.non2xx;
    const lines = [
      `**M5** \`POST /api/requests\` (JSON, a distinct requester and client address each) at ${RATE}/s for ${SECONDS} s, 20 connections, after a ${WARMUP_SECONDS} s warm-up; the desk as ${MODE === 'split' ? 'an api process and a worker process' : 'one all-in-one process (api + worker + poller)'}, acknowledgements on (SMTP sink)`,
      `requests sent ${result.requests.sent}, answered 2xx ${accepted}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts} (goal 0)`,
      `latency: p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms (goal p99 ≤ 50 ms); throughput ${result.requests.average.toFixed(0)} requests/s`,
      `tickets: ${made} for ${accepted} accepted requests, ${Number(dup?.n ?? 0)} duplicated subjects; the worker finished ${drained.toFixed(1)} s after the last request`,
      `machine: ${machineLine()}`,
      `command: BENCH_RATE=${RATE} BENCH_SECONDS=${SECONDS} BENCH_MODE=${MODE} npm run bench:webform`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (errors > 0) process.exitCode = 1;
    if (process.env.BENCH_WRITE !== '0')
      writeBenchBlock(
        `webform-${MODE}`,
        `Web form under load (issue 16, M5, ${MODE})`,
        measuredBlock(lines, loadBefore),
      );
  } finally {
    for (const c of children) await stopProcess(c);
    await migrator.destroy();
    await sink.close();
    await redis.drop();
    await database.drop();
  }
}

runBench(main);
