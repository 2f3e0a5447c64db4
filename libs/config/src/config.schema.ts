import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/**
 * Every environment variable Intake reads. This schema and `.env.example` list the same names;
 * a unit test keeps them in step.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  PUBLIC_URL: url(['http:', 'https:']).default('http://127.0.0.1:3000'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  EMBEDDED_PG_DIR: z.string().min(1).default('./var/postgres'),
  EMBEDDED_PG_PORT: int(1, 65535).default(54329),

  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, 'letters, digits, - and _ only')
    .default('intake'),
  QUEUE_CONCURRENCY: int(1, 256).default(8),
  QUEUE_ATTEMPTS: int(1, 100).default(8),
  QUEUE_FAILED_RETENTION_DAYS: int(1, 3650).default(7),
  SHUTDOWN_TIMEOUT_MS: int(100, 600000).default(15000),

  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: int(1, 24 * 90).default(12),
  COOKIE_SECURE: bool.optional(),

  FORM_MAX_ATTACHMENTS: int(0, 50).default(5),
  FORM_MAX_ATTACHMENT_BYTES: int(1, 100 * 1024 * 1024).default(10 * 1024 * 1024),
  FORM_RATE_LIMIT_PER_HOUR: int(1, 100000).default(20),
  LOGIN_RATE_LIMIT_PER_15M: int(1, 100000).default(20),
  LOGIN_ACCOUNT_FAILURES_PER_15M: int(1, 1000).default(5),

  WORKER_ENABLED: bool.default(true),
  POLLER_ENABLED: bool.default(true),
});

export type AppConfigInput = z.input<typeof configSchema>;
export type AppConfigValues = z.output<typeof configSchema>;
