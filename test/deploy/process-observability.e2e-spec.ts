import { freePort, waitFor } from '@app/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

/** The nice value of every thread of a process (field 19 of /proc/PID/task/TID/stat). */
function threadNice(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/**
 * Split mode as in production: the api (in-process here), and the real worker and poller mains as
 * child processes. Each of the two answers /health and /metrics on its own port, and the intake
 * counters are counted where the work happens: the api counts the staged form request, the worker
 * the committed ticket.
 */
describe('worker and poller /health and /metrics (split mode)', () => {
  let app: TestApp;
  const children: ChildProcess[] = [];
  let output = '';

  beforeAll(async () => {
    app = await startTestApp({ api: true, worker: false, env: { POLLER_ENABLED: 'false' } });
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
    }
    await app.close();
  });

  function start(name: 'worker' | 'poller', env: Record<string, string>): ChildProcess {
    const { config, database } = app;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, `apps/${name}/src/main.ts`)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: database.url,
        REDIS_URL: config.values.REDIS_URL,
        QUEUE_PREFIX: config.values.QUEUE_PREFIX,
        APP_SECRET: config.values.APP_SECRET,
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    children.push(child);
    return child;
  }

  async function healthy(child: ChildProcess, port: number, what: string): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${what} exited early:\n${output}`);
        const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return res?.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${what} /health` },
    );
  }

  async function metric(port: number, line: RegExp): Promise<number | undefined> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const found = text.split('\n').find((l) => line.test(l));
    return found === undefined ? undefined : Number(found.split(' ').pop());
  }

  it('serves /health and /metrics of each process and counts intake where it happens', async () => {
    const [workerPort, pollerPort] = [await freePort(), await freePort()];
    const worker = start('worker', { WORKER_METRICS_PORT: String(workerPort) });
    const poller = start('poller', { POLLER_METRICS_PORT: String(pollerPort) });
    expect(await healthy(worker, workerPort, 'worker')).toEqual({
      status: 'ok',
      process: 'worker',
      database: 'up',
      queue: 'up',
    });
    expect(await healthy(poller, pollerPort, 'poller')).toMatchObject({ status: 'ok', process: 'poller' });

    const res = await fetch(`${app.baseUrl}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Split Mode', email: 'split@example.org', subject: 'Hi', message: 'Counted?' }),
    });
    expect(res.status).toBe(202);

    const created = await waitFor(() => metric(workerPort, /^intake_messages_processed_total\{outcome="created"\}/), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the worker to count the created ticket',
    });
    expect(created).toBe(1);
    // The api staged it, so the api counts the staging; the worker staged nothing.
    const apiMetrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(apiMetrics).toMatch(/^intake_messages_staged_total\{kind="form"\} 1$/m);
    expect(await metric(workerPort, /^intake_messages_staged_total\{kind="form"\}/)).toBeUndefined();
    // Scrape-time gauges read the shared database: every process shows the same staging rows.
    expect(await metric(pollerPort, /^intake_inbound_messages\{kind="form",status="processed"\}/)).toBe(1);
    expect(await metric(pollerPort, /^intake_process_process_cpu_user_seconds_total /)).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${workerPort}/nope`)).status).toBe(404);

    // The worker runs below the api's CPU priority (WORKER_NICE, default 10), every thread of it,
    // the parser threads it started for the ticket included; the poller keeps the priority it got.
    const ours = getPriority();
    const workerNice = threadNice(worker.pid!);
    expect(workerNice.length).toBeGreaterThan(5);
    expect(new Set(workerNice)).toEqual(new Set([Math.min(19, ours + 10)]));
    expect(new Set(threadNice(poller.pid!))).toEqual(new Set([ours]));

    // Both still stop cleanly, closing their observability port.
    for (const child of [worker, poller]) {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    await expect(fetch(`http://127.0.0.1:${workerPort}/health`)).rejects.toThrow();
  });
});
