import { ConfigError, loadConfig, parseConfig } from './app-config';
import { parseTrustProxy } from './config.schema';

describe('production configuration (issue 16)', () => {
  const base = { APP_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://x/y' };

  it('derives PUBLIC_URL from HOST and PORT when it is not set', () => {
    expect(loadConfig({ ...base, PORT: '8080' }).values.PUBLIC_URL).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ ...base, HOST: 'desk.lan', PORT: '4000' }).values.PUBLIC_URL).toBe('http://desk.lan:4000');
    expect(loadConfig({ ...base, HOST: '0.0.0.0', PORT: '4000' }).values.PUBLIC_URL).toBe('http://127.0.0.1:4000');
    expect(loadConfig({ ...base, HOST: '::1', PORT: '4000' }).values.PUBLIC_URL).toBe('http://[::1]:4000');
    expect(loadConfig({ ...base, PORT: '8080', PUBLIC_URL: 'https://support.example.org' }).values.PUBLIC_URL).toBe(
      'https://support.example.org',
    );
  });

  it('trusts X-Forwarded-For from loopback only by default', () => {
    expect(parseConfig({}).TRUST_PROXY).toEqual(['loopback']);
  });

  it.each([
    ['false', false],
    ['2', 2],
    ['loopback, uniquelocal', ['loopback', 'uniquelocal']],
    ['10.0.0.0/8,192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['fd00::/8', ['fd00::/8']],
  ])('reads TRUST_PROXY=%p', (value, expected) => {
    expect(parseConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['everyone', '10.0.0.0/33', '300.1.1.1', 'loopback,', '1.2.3.4/8/9'])(
    'refuses TRUST_PROXY=%p with one line',
    (value) => {
      if (value === 'loopback,') {
        // A trailing comma is harmless: the empty item is dropped.
        expect(parseTrustProxy(value)).toEqual(['loopback']);
        return;
      }
      expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(/^Invalid configuration: TRUST_PROXY must be/);
    },
  );

  it('requires a real database and the mailbox key in production, each with one line', () => {
    const production = { ...base, NODE_ENV: 'production', MAILBOX_ENCRYPTION_KEY: 'k'.repeat(32) };
    expect(loadConfig(production).production).toBe(true);
    expect(() => loadConfig({ ...production, DATABASE_URL: '' })).toThrow(
      /^Invalid configuration: DATABASE_URL is required when NODE_ENV=production \(the embedded PostgreSQL/,
    );
    expect(() => loadConfig({ ...production, MAILBOX_ENCRYPTION_KEY: '' })).toThrow(
      new ConfigError('Invalid configuration: MAILBOX_ENCRYPTION_KEY is required when NODE_ENV=production'),
    );
  });

  it('reads the worker and poller metrics ports, unset by default', () => {
    expect(parseConfig({}).WORKER_METRICS_PORT).toBeUndefined();
    expect(parseConfig({ WORKER_METRICS_PORT: '9464', POLLER_METRICS_PORT: '0' })).toMatchObject({
      WORKER_METRICS_PORT: 9464,
      POLLER_METRICS_PORT: 0,
    });
    expect(() => parseConfig({ POLLER_METRICS_PORT: '70000' })).toThrow(/POLLER_METRICS_PORT/);
  });
});
