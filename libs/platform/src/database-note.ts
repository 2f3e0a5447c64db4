import type { AppConfig } from '@app/config';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The server leaves a note of the database it runs on (`./var/database.json`, owner-only), so the
 * CLI started from the same folder without the server's environment opens the same database instead
 * of quietly starting a second, empty embedded one.
 */
function notePath(config: AppConfig): string {
  return resolve(dirname(config.values.EMBEDDED_PG_DIR), 'database.json');
}

export function writeDatabaseNote(config: AppConfig, url: string): void {
  try {
    const file = notePath(config);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ url, embedded: config.embeddedDatabase }), { mode: 0o600 });
  } catch {
    // A read-only working directory (the production image keeps ./var for this; elsewhere the
    // operator sets DATABASE_URL for the CLI as for the server).
  }
}

/** The database a server started from this folder used, if it left a note. */
export function readDatabaseNote(config: AppConfig): { url: string; embedded: boolean } | null {
  try {
    const parsed = JSON.parse(readFileSync(notePath(config), 'utf8')) as { url?: unknown; embedded?: unknown };
    return typeof parsed.url === 'string' ? { url: parsed.url, embedded: parsed.embedded === true } : null;
  } catch {
    return null;
  }
}

/** Whether an embedded PostgreSQL was ever initialised under EMBEDDED_PG_DIR. */
export function embeddedDatabaseExists(config: AppConfig): boolean {
  return existsSync(resolve(config.values.EMBEDDED_PG_DIR, 'PG_VERSION'));
}

/** A database URL for people: host, port and database name, never the password. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}
