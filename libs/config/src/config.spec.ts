import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from './app-config';
import { configSchema } from './config.schema';

describe('configuration', () => {
  it('applies defaults for a first run', () => {
    const values = parseConfig({});
    expect(values.PORT).toBe(3000);
    expect(values.DATABASE_URL).toBeUndefined();
    expect(values.QUEUE_PREFIX).toBe('intake');
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT /],
    [
      { DATABASE_URL: 'mysql://db/x' },
      /^Invalid configuration: DATABASE_URL must be a URL starting with postgres:\/\//,
    ],
    [{ REDIS_URL: 'nope' }, /^Invalid configuration: REDIS_URL /],
    [{ APP_SECRET: 'short' }, /^Invalid configuration: APP_SECRET must be at least 32 characters$/],
    [{ QUEUE_PREFIX: 'a b' }, /^Invalid configuration: QUEUE_PREFIX /],
  ])('stops with one line naming the variable for %p', (env, message) => {
    let error: unknown;
    try {
      parseConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('serves /api/docs outside production, and in production only when asked', () => {
    const base = { APP_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://x/y', MAILBOX_ENCRYPTION_KEY: 'k'.repeat(32) };
    expect(loadConfig({ ...base, NODE_ENV: 'development' }).apiDocsEnabled).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).apiDocsEnabled).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'production', API_DOCS_ENABLED: 'true' }).apiDocsEnabled).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'development', API_DOCS_ENABLED: 'false' }).apiDocsEnabled).toBe(false);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short' })).toThrow(
      'METRICS_TOKEN must be at least 16 characters',
    );
  });

  it('requires APP_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x/y' })).toThrow(
      'Invalid configuration: APP_SECRET is required when NODE_ENV=production',
    );
  });

  it('documents every variable in the README configuration table', () => {
    const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Architecture'));
    const missing = Object.keys(configSchema.shape).filter((name) => !table.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('lists every variable in .env.example and nothing else', () => {
    const example = readFileSync(join(__dirname, '../../../.env.example'), 'utf8');
    const names = example
      .split('\n')
      .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
      .map((line) => line.slice(0, line.indexOf('=')))
      .sort();
    expect(names).toEqual(Object.keys(configSchema.shape).sort());
  });
});
