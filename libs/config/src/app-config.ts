import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configSchema, type AppConfigValues } from './config.schema';

/** Thrown when the environment is invalid; the message is one line naming the variable. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
}

/**
 * The validated configuration. This class (through `loadConfig`) is the only reader of
 * `process.env` in the code base.
 */
export class AppConfig {
  constructor(readonly values: AppConfigValues & { APP_SECRET: string; PUBLIC_URL: string }) {}

  get embeddedDatabase(): boolean {
    return this.values.DATABASE_URL === undefined;
  }

  get embeddedQueue(): boolean {
    return this.values.REDIS_URL === undefined;
  }

  get cookieSecure(): boolean {
    return this.values.COOKIE_SECURE ?? this.values.PUBLIC_URL.startsWith('https:');
  }

  get production(): boolean {
    return this.values.NODE_ENV === 'production';
  }

  /** Whether /api/docs is served: as configured, else everywhere but production. */
  get apiDocsEnabled(): boolean {
    return this.values.API_DOCS_ENABLED ?? !this.production;
  }
}

export function parseConfig(env: Record<string, string | undefined>): AppConfigValues {
  // Empty strings mean "not set", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}

/**
 * Outside production a missing APP_SECRET is generated once and kept under ./var so that sessions
 * and signed links survive restarts of a first-run install. Production must set it.
 */
function resolveSecret(values: AppConfigValues): string {
  if (values.APP_SECRET) return values.APP_SECRET;
  if (values.NODE_ENV === 'production') {
    throw new ConfigError('Invalid configuration: APP_SECRET is required when NODE_ENV=production');
  }
  const file = resolve(dirname(values.EMBEDDED_PG_DIR), 'app-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const values = parseConfig(env);
  const secret = resolveSecret(values);
  if (values.NODE_ENV === 'production') requireInProduction(values);
  return new AppConfig({ ...values, APP_SECRET: secret, PUBLIC_URL: publicUrl(values) });
}

/** PUBLIC_URL, else where this process listens (a wildcard HOST is reached through 127.0.0.1). */
function publicUrl(values: AppConfigValues): string {
  if (values.PUBLIC_URL) return values.PUBLIC_URL;
  const wildcard = values.HOST === '0.0.0.0' || values.HOST === '::' || values.HOST === '[::]';
  const host = wildcard
    ? '127.0.0.1'
    : values.HOST.includes(':') && !values.HOST.startsWith('[')
      ? `[${values.HOST}]`
      : values.HOST;
  return `http://${host}:${values.PORT}`;
}

/**
 * Production runs against a real PostgreSQL (the production image has no embedded one) and keeps
 * mailbox passwords under their own key: missing either stops the process with one line, before
 * anything starts (not a stack trace from deep inside a module).
 */
function requireInProduction(values: AppConfigValues): void {
  if (!values.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_URL is required when NODE_ENV=production (the embedded PostgreSQL is for first runs on one machine)',
    );
  }
  if (!values.MAILBOX_ENCRYPTION_KEY) {
    throw new ConfigError('Invalid configuration: MAILBOX_ENCRYPTION_KEY is required when NODE_ENV=production');
  }
}
