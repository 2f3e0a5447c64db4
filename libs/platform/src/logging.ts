import type { AppConfig } from '@app/config';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LogFn } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * Nest's start-up chatter (one line per module, controller and route: ~130 per start) goes to
 * debug; everything else keeps its level.
 */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);
const INFO = 30;

/**
 * Keys whose values may be personal data (names, addresses, content, network identity, secrets).
 * Redacted at the top level of a log object and one or two levels down, because services log
 * `{ ...fields }` objects directly and pino's `*` matches exactly one level.
 */
const SENSITIVE_KEYS = [
  'email',
  'address',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'name',
  'phone',
  'company',
  'website',
  'subject',
  'body',
  'bodyText',
  'bodyHtml',
  'text',
  'html',
  'message',
  'filename',
  'raw',
  'ip',
  'password',
  'token',
];

let testDestination: DestinationStream | undefined;

/**
 * Tests only: apps created after this call write their log lines to `stream` (e.g. to assert that
 * no personal data reaches a log). Pass undefined to restore the default (stdout).
 */
export function captureLogsForTests(stream: DestinationStream | undefined): void {
  testDestination = stream;
}

/**
 * Structured logs (pino). Paths that could carry personal data are redacted, and request logs
 * keep method, route and status only — no query strings, bodies, cookies or addresses.
 */
export function loggerParams(config: AppConfig): Params {
  const options = {
    level: config.values.LOG_LEVEL,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        ...SENSITIVE_KEYS,
        ...SENSITIVE_KEYS.map((k) => `*.${k}`),
        ...SENSITIVE_KEYS.map((k) => `*.*.${k}`),
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method?: string; url?: string; id?: unknown }) => ({
        id: req.id,
        method: req.method,
        // Drop the query string: it may hold tokens or addresses.
        path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req: { url?: string }) => req.url === '/health' || req.url === '/metrics' },
    customProps: () => ({ app: 'intake' }),
    hooks: {
      logMethod(this: { debug: LogFn }, args: Parameters<LogFn>, method: LogFn, level: number): void {
        const first: unknown = args[0];
        const context = first && typeof first === 'object' ? (first as { context?: unknown }).context : undefined;
        if (level === INFO && typeof context === 'string' && START_UP_CONTEXTS.has(context)) {
          this.debug(...args);
          return;
        }
        method.apply(this, args);
      },
    },
  };
  if (testDestination) return { pinoHttp: [options, testDestination] };
  // Development (npm start): readable lines; production and tests: JSON lines for log shipping.
  if (config.values.NODE_ENV === 'development') {
    const pretty = pinoPretty({
      colorize: process.stdout.isTTY,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,app,context',
      messageFormat: '{if context}{context}: {end}{msg}',
      singleLine: true,
      sync: true,
    });
    return { pinoHttp: [options, pretty] };
  }
  return { pinoHttp: options };
}
