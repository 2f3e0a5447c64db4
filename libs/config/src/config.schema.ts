import { isIP } from 'node:net';
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
  /** Unset: http://HOST:PORT (127.0.0.1 when HOST listens on every interface); see loadConfig. */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Bearer token `/metrics` requires. Unset: the api's `/metrics` is open outside production and
   * off (404) in production, where it shares the public port.
   */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** OpenAPI at /api/docs. Unset: on outside production, off in production. */
  API_DOCS_ENABLED: bool.optional(),

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
  /**
   * Outbound jobs (replies, acknowledgements) run at once in one worker process. A send mostly waits
   * (the database, the SMTP server's answers), so many run beside each other; the SMTP pool below
   * bounds how many talk to the server at once.
   */
  OUTBOUND_CONCURRENCY: int(1, 256).default(32),
  /** Staged messages committed together in one transaction (the intake queue runs twice this many jobs at once). */
  INTAKE_BATCH_SIZE: int(1, 500).default(50),
  /** How long a job waits for others to share its batch. */
  INTAKE_BATCH_WAIT_MS: int(0, 1000).default(5),
  /**
   * BullMQ workers one process runs on the intake queue (with Redis; one on the PostgreSQL queue
   * backend), sharing its jobs between them. A BullMQ worker takes waiting jobs one Redis call at
   * a time before it starts any, so a pile of mail found at once reached the batcher faster through
   * several (M2 in BENCHMARKS.md).
   */
  INTAKE_QUEUE_FETCHERS: int(1, 16).default(4),
  QUEUE_ATTEMPTS: int(1, 100).default(8),
  QUEUE_FAILED_RETENTION_DAYS: int(1, 3650).default(7),
  SHUTDOWN_TIMEOUT_MS: int(100, 600000).default(15000),

  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TTL_HOURS: int(1, 24 * 90).default(12),
  /** Seconds a signed-in session may be served from memory; any session/user change empties it at once (0 = off). */
  SESSION_CACHE_SECONDS: int(0, 300).default(10),
  COOKIE_SECURE: bool.optional(),

  FORM_MAX_ATTACHMENTS: int(0, 50).default(5),
  FORM_MAX_ATTACHMENT_BYTES: int(1, 100 * 1024 * 1024).default(10 * 1024 * 1024),
  FORM_RATE_LIMIT_PER_HOUR: int(1, 100000).default(20),
  LOGIN_RATE_LIMIT_PER_15M: int(1, 100000).default(20),
  LOGIN_ACCOUNT_FAILURES_PER_15M: int(1, 1000).default(5),

  WORKER_ENABLED: bool.default(true),
  POLLER_ENABLED: bool.default(true),

  // --- IMAP intake (issue 3) ---
  /** AES-256-GCM key for mailbox passwords (32+ characters; hashed to the key). Required in production. */
  MAILBOX_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Polling fallback and connection check (NOOP) interval of the poller. */
  IMAP_POLL_INTERVAL_MS: int(200, 3_600_000).default(60_000),
  /** IDLE is re-issued this often, well before servers drop idle sessions (RFC 3501: 30 min). */
  IMAP_IDLE_RESTART_MS: int(1000, 1_740_000).default(300_000),
  /**
   * IDLE starts this long after the poller's last command. While mail keeps arriving the poller
   * asks again with NOOP every 50 ms instead (for 2 s after the last new message), so this only
   * matters once the mailbox is quiet.
   */
  IMAP_IDLE_DELAY_MS: int(0, 600_000).default(250),
  /** Longest wait between reconnect attempts (exponential backoff from 1 s). */
  IMAP_RECONNECT_MAX_MS: int(100, 600_000).default(60_000),
  /** Poller lock per mailbox: held by one replica, renewed at a third of this, lost if not renewed. */
  IMAP_LOCK_TTL_MS: int(1000, 600_000).default(30_000),
  /** Messages fetched per page when catching up on a backlog. */
  IMAP_FETCH_PAGE_SIZE: int(1, 1000).default(50),
  /**
   * Larger messages are staged without their bytes and quarantined as `too_large`. 50 MiB: a 25 MB
   * attachment is ~34 MB as base64 MIME. Keep it at or below MAIL_MAX_BYTES (the parser's bound).
   */
  IMAP_MAX_MESSAGE_BYTES: int(1024, 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  /** Quarantined messages are deleted after this many days. */
  QUARANTINE_RETENTION_DAYS: int(1, 3650).default(30),
  /** TEST ONLY: the worker SIGKILLs itself at this point of the email path (fault tests). */
  INTAKE_TEST_CRASH_AT: z.enum(['after-parse', 'after-commit', 'after-settle']).optional(),

  // --- Understanding mail and replies by email (issue 4) ---
  /** Parsing bounds: a message over any of them is quarantined with `limit_*` / `parse_timeout`. */
  MAIL_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  MAIL_MAX_PARTS: int(1, 100_000).default(1000),
  MAIL_MAX_DEPTH: int(1, 1000).default(30),
  MAIL_MAX_HEADER_BYTES: int(256, 16 * 1024 * 1024).default(128 * 1024),
  /** Wall-clock budget of one parse (mailparser runs in a worker thread that is killed after it). */
  MAIL_PARSE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  /** Outbound SMTP server, e.g. smtp://127.0.0.1:25 or smtps://user:pass@host:465. Unset: nothing is sent (messages stay queued). */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  /** Connections a worker keeps open to one SMTP server (nodemailer's pool). */
  SMTP_MAX_CONNECTIONS: int(1, 50).default(5),
  /** Our sending address; its domain is used in our Message-IDs and plus-addressed Reply-To. */
  MAIL_FROM: z.string().email().default('support@intake.localhost'),
  /** Display name on outgoing mail. */
  MAIL_FROM_NAME: z.string().max(100).default('Support'),
  /** At most this many acknowledgements/notifications per recipient address per hour (mail-loop brake). */
  ACK_RATE_LIMIT_PER_HOUR: int(0, 10_000).default(3),
  /** Send acknowledgements for new tickets at all. */
  ACK_ENABLED: bool.default(true),

  // --- Agent notifications (issue 14) ---
  /** How often the worker looks for new triggers (assignments, customer replies, SLA due dates). */
  NOTIFY_SCAN_SECONDS: int(1, 3600).default(30),
  /** "About to breach": an SLA target of an agent's ticket due within this many minutes. */
  NOTIFY_SLA_WARNING_MINUTES: int(1, 10_080).default(30),
  /** At most this many notification mails per agent per hour; more are dropped (0: none at all). */
  NOTIFY_RATE_LIMIT_PER_HOUR: int(0, 10_000).default(20),

  // --- OAuth2 mailboxes (issue 14): the desk's app registration at each provider ---
  OAUTH_GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  OAUTH_MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  /** Entra ID tenant (id or domain); `common` accepts any work account. */
  OAUTH_MICROSOFT_TENANT: z.string().min(1).default('common'),
  /** Any standards-compliant provider (RFC 6749 + PKCE): endpoints, scopes (space-separated) and the client. */
  OAUTH_CUSTOM_AUTHORIZE_URL: url(['http:', 'https:']).optional(),
  OAUTH_CUSTOM_TOKEN_URL: url(['http:', 'https:']).optional(),
  OAUTH_CUSTOM_REVOKE_URL: url(['http:', 'https:']).optional(),
  OAUTH_CUSTOM_SCOPES: z.string().default('openid offline_access'),
  OAUTH_CUSTOM_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_CUSTOM_CLIENT_SECRET: z.string().min(1).optional(),
  // --- Production (issue 16) ---
  /**
   * Which proxies' X-Forwarded-For the api believes (Express "trust proxy"): `false`, a hop count,
   * or a comma-separated list of loopback / linklocal / uniquelocal / IP addresses / CIDR ranges.
   */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed === null) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be false, a hop count, or a comma-separated list of loopback, linklocal, uniquelocal, IP addresses or CIDR ranges',
        });
        return z.NEVER;
      }
      return parsed;
    }),
  /**
   * Nice levels the worker process lowers itself by at start (0 = none). On a machine it shares
   * with the api, web requests then get the CPU first and the intake backlog takes what they
   * leave (BENCHMARKS.md M5). Not used by the all-in-one process; inside a container it only
   * ranks the worker's own threads (compose's cpu_shares ranks the containers).
   */
  WORKER_NICE: int(0, 19).default(10),
  /**
   * The worker process runs V8's memory-saver mode (collects garbage sooner, keeps its heaps near
   * their live size): a smaller process at the cost of CPU per message (BENCHMARKS.md M4). Not
   * used by the all-in-one process.
   */
  WORKER_MEMORY_SAVER: bool.default(true),
  /** Port of the worker process's /health and /metrics (default 9464; 0 = off; all-in-one: off unless set). */
  WORKER_METRICS_PORT: int(0, 65535).optional(),
  /** Port of the poller process's /health and /metrics (default 9465; 0 = off; all-in-one: off unless set). */
  POLLER_METRICS_PORT: int(0, 65535).optional(),
  /**
   * How often each worker re-queues staged rows left unfinished for longer than this (their job
   * lost to a queue outage or a failed enqueue); 0 = only at start.
   */
  INTAKE_REQUEUE_INTERVAL_MS: int(0, 86_400_000).default(60_000),
});

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `false`, a hop count, or a list of proxy names / addresses / CIDR ranges; null when invalid. */
export function parseTrustProxy(value: string): false | number | string[] | null {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (/^[0-9]+$/.test(v)) return Number(v);
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) return null;
  for (const item of items) {
    if (PROXY_NAMES.has(item)) continue;
    const [address, bits, extra] = item.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || extra !== undefined) return null;
    if (bits !== undefined && !(/^[0-9]+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))) return null;
  }
  return items;
}

export type AppConfigInput = z.input<typeof configSchema>;
export type AppConfigValues = z.output<typeof configSchema>;
