// npm run bench:webform — M5 of issue 16: POST /api/requests at a fixed rate (BENCH_RATE, 200/s) for
// BENCH_SECONDS (60), open loop (fire below says how), against the desk run as its own process (BENCH_MODE
// all-in-one: api + worker + poller in one process, the default install; or split: an api process
// and a worker process), on the machine's PostgreSQL and Redis (a fresh database and key prefix)
// with acknowledgements on into an SMTP sink. Reports latency percentiles, errors, and whether
// every accepted request became exactly one ticket (and how long the worker took to drain).
import { createDataSource, runMigrations } from '@app/database';
import { createTestDatabase, createTestRedis, freePort, waitFor } from '@app/testing';
import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  load1,
  machineLine,
  measuredBlock,
  sleep,
  buildIfStale,
  startProcess,
  startSinkProcess,
  stopProcess,
  writeBenchBlock,
  runBench,
} from './support';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const MODE = process.env.BENCH_MODE === 'split' ? 'split' : 'all-in-one';

interface LoadResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Milliseconds from each request's scheduled send time to the end of its answer, ascending. */
  latencies: number[];
  /** The generator's own event-loop delay p99 (ms): how late it could have been in sending. */
  generatorLagP99: number;
  /** Transport errors by code (ECONNRESET, …). */
  errorCodes: Record<string, number>;
  /** From the first scheduled send to the last answer. */
  seconds: number;
}

/**
 * Open-loop load at a steady RATE for `seconds`: request i is due at start + i/RATE, sent when due
 * whatever the answers before it are doing (keep-alive sockets, up to 64 at once), and its latency
 * counts from when it was due — so a slow server or a late generator shows up in the figures
 * instead of slowing the load down (no coordinated omission). autocannon's `overallRate` did
 * neither: each connection sent its share of a second back to back at the start of that second
 * (bursts of RATE requests, then idle), and it "corrected" latencies with a 1 ms expected interval.
 */
async function fire(url: string, seconds: number, label: string): Promise<LoadResult> {
  const target = new URL(`${url}/api/requests`);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(RATE * seconds);
  const interval = 1000 / RATE;
  const result: LoadResult = {
    sent: 0,
    ok: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    latencies: [],
    generatorLagP99: 0,
    errorCodes: {},
    seconds: 0,
  };
  const lag = monitorEventLoopDelay({ resolution: 5 });
  const send = (i: number, due: number): Promise<void> =>
    new Promise((resolve) => {
      const body = JSON.stringify({
        name: `Requester ${i}`,
        email: `${label}-${i}@form.test`,
        subject: `${label}-${i}: my order has not arrived`,
        message: `Hello, order ${i} has not arrived yet. Could you look into it? ${'Some detail. '.repeat(10)}`,
      });
      let settled = false;
      const fail = (error: NodeJS.ErrnoException): void => {
        const code = error.code ?? error.message;
        result.errorCodes[code] = (result.errorCodes[code] ?? 0) + 1;
        settle('errors');
      };
      const settle = (outcome: 'ok' | 'non2xx' | 'errors' | 'timeouts'): void => {
        if (settled) return;
        settled = true;
        result[outcome] += 1;
        if (outcome === 'ok' || outcome === 'non2xx') result.latencies.push(performance.now() - due);
        resolve();
      };
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          timeout: 10_000,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': Buffer.byteLength(body),
            // Each requester from an address of its own, as customers reach the desk through the
            // reverse proxy (TRUST_PROXY's default believes X-Forwarded-For from loopback): the
            // per-IP form limit stays at its default.
            'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => settle(res.statusCode && res.statusCode < 300 ? 'ok' : 'non2xx'));
          res.on('error', (error: NodeJS.ErrnoException) => fail(error));
        },
      );
      req.on('timeout', () => {
        settle('timeouts');
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => fail(error));
      req.end(body);
      result.sent += 1;
    });

  const answers: Array<Promise<void>> = [];
  lag.enable();
  const start = performance.now();
  await new Promise<void>((done) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        answers.push(send(next, start + next * interval));
        next += 1;
      }
      if (next >= total) done();
      else setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(answers);
  lag.disable();
  result.generatorLagP99 = lag.percentile(99) / 1e6;
  result.seconds = (performance.now() - start) / 1000;
  agent.destroy();
  result.latencies.sort((a, b) => a - b);
  return result;
}

/** The q-quantile of ascending values (nearest rank), in whole milliseconds. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]);
}

/**
 * Split mode: the worker lowers its own CPU priority by WORKER_NICE (the desk's setting, default 10;
 * passed through when set, e.g. WORKER_NICE=0 for a worker level with the api).
 */
const WORKER_NICE = process.env.WORKER_NICE;

async function main(): Promise<void> {
  buildIfStale();
  const loadBefore = load1();
  const database = await createTestDatabase('bench');
  const redis = createTestRedis('bench');
  const sink = await startSinkProcess();
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
    // Experiments: batch size and wait of the intake queue (INTAKE_BATCH_SIZE, INTAKE_BATCH_WAIT_MS).
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('INTAKE_BATCH_'))),
    ...(WORKER_NICE !== undefined ? { WORKER_NICE } : {}),
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
      await waitFor(async () => (await tickets('warm')) >= warm.ok, { timeoutMs: 300_000, what: 'warm-up' });
    }
    await sleep(1000);
    const result = await fire(url, SECONDS, 'bench');
    const ended = Date.now();
    const accepted = result.ok;
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
    const l = result.latencies;
    const errors = result.errors + result.timeouts + result.non2xx;
    const lines = [
      `**M5** \`POST /api/requests\` (JSON, a distinct requester and client address each), open loop: one request every ${(1000 / RATE).toFixed(1)} ms (${RATE}/s) for ${SECONDS} s, each timed from when it was due, after a ${WARMUP_SECONDS} s warm-up; the desk as ${MODE === 'split' ? `an api process and a worker process (the worker at nice ${WORKER_NICE ?? '10, the default'})` : 'one all-in-one process (api + worker + poller)'}, acknowledgements on (SMTP sink)`,
      `requests sent ${result.sent}, answered 2xx ${accepted}, non-2xx ${result.non2xx}, errors ${result.errors}${
        result.errors
          ? ` (${Object.entries(result.errorCodes)
              .map(([c, n]) => `${c} ×${n}`)
              .join(', ')})`
          : ''
      }, timeouts ${result.timeouts} (goal 0)`,
      `latency: p50 ${quantile(l, 0.5)} ms, p90 ${quantile(l, 0.9)} ms, p99 ${quantile(l, 0.99)} ms, max ${quantile(l, 1)} ms (goal p99 ≤ 50 ms); ${(result.sent / result.seconds).toFixed(0)} requests/s; the generator's own event-loop delay p99 ${result.generatorLagP99.toFixed(0)} ms (the SMTP sink runs in a process of its own)`,
      `tickets: ${made} for ${accepted} accepted requests, ${Number(dup?.n ?? 0)} duplicated subjects; the worker finished ${drained.toFixed(1)} s after the last answer`,
      `machine: ${machineLine()}`,
      `command: BENCH_RATE=${RATE} BENCH_SECONDS=${SECONDS} BENCH_MODE=${MODE}${WORKER_NICE !== undefined ? ` WORKER_NICE=${WORKER_NICE}` : ''} npm run bench:webform`,
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
