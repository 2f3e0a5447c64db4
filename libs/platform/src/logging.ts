import type { AppConfig } from '@app/config';
import type { Params } from 'nestjs-pino';

/**
 * Structured logs (pino). Paths that could carry personal data are redacted, and request logs
 * keep method, route and status only — no query strings, bodies, cookies or addresses.
 */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.values.LOG_LEVEL,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
          '*.email',
          '*.password',
          '*.name',
          '*.subject',
          '*.body',
          '*.text',
          '*.html',
          '*.address',
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
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      customProps: () => ({ app: 'intake' }),
    },
  };
}
