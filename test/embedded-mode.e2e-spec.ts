import { freePort, waitFor } from '@app/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The first-run path: no DATABASE_URL and no REDIS_URL. The all-in-one process starts a real
 * embedded PostgreSQL, migrates it, runs BullMQ on its PostgreSQL backend, and turns a web-form
 * request into a ticket; SIGTERM then stops it cleanly.
 */
describe('embedded mode (npm start on a fresh machine)', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'intake-embedded-'));
    // As root, PostgreSQL runs as the `postgres` user, who must be able to reach its data directory.
    chmodSync(dir, 0o755);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('boots, turns a form request into a ticket, and shuts down on SIGTERM', async () => {
    const [port, pgPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      EMBEDDED_PG_DIR: join(dir, 'postgres'),
      EMBEDDED_PG_PORT: String(pgPort),
      QUEUE_PREFIX: `embedded${process.pid}`,
      LOG_LEVEL: 'warn',
      POLLER_ENABLED: 'false',
      SWC_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json'),
    };
    child = spawn(
      process.execPath,
      ['-r', require.resolve('@swc-node/register'), join(__dirname, '..', 'apps/all-in-one/src/main.ts')],
      {
        env,
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;

    const health = await waitFor(
      async () => {
        if (child?.exitCode !== null) throw new Error(`all-in-one exited early:\n${output}`);
        const res = await fetch(`${base}/health`).catch(() => undefined);
        return res?.ok ? ((await res.json()) as { database: string; queue: string }) : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'embedded all-in-one to become healthy' },
    );
    expect(health).toMatchObject({ database: 'up', queue: 'up' });

    const res = await fetch(`${base}/api/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'First Customer',
        email: 'first@example.org',
        subject: 'Hello',
        message: 'First run',
      }),
    });
    expect(res.status).toBe(202);
    const { reference } = (await res.json()) as { reference: string };

    const db = new Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/intake` });
    await db.connect();
    try {
      const ticket = await waitFor(
        async () => {
          const rows = await db.query<{ subject: string; channel: string }>(
            'SELECT subject, channel FROM tickets WHERE number = $1',
            [Number(reference.slice(2))],
          );
          return rows.rows[0];
        },
        { timeoutMs: 20_000, what: `ticket in the embedded database; process output:\n${output.slice(-3000)}` },
      );
      expect(ticket).toEqual({ subject: 'Hello', channel: 'form' });
      // The queue really ran on PostgreSQL: BullMQ's schema exists in the same database.
      const schemas = await db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM information_schema.schemata WHERE schema_name = $1',
        [`embedded${process.pid}_queue`],
      );
      expect(schemas.rows[0]?.n).toBe('1');
    } finally {
      await db.end();
    }

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    // Exit code 0, not death by signal: the shutdown handler ran to its end.
    expect(await exited).toBe(0);
  });
});
