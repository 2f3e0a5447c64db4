import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SinkMessage {
  from: string;
  to: string[];
  raw: Buffer;
  parsed(): Promise<ParsedMail>;
}

export interface SmtpSink {
  url: string;
  port: number;
  messages: SinkMessage[];
  /** SMTP connections opened to the sink so far. */
  readonly connections: number;
  /** Reply to RCPT TO with this SMTP code (e.g. 550 or 451) until reset with null. */
  rejectWith(code: number | null): void;
  /**
   * Holds the answer to every message's DATA (the sender waits, as on a slow server) until the
   * returned function is called; messages are kept when they arrive, answered on release.
   */
  hold(): () => void;
  /** Resolves once `count` messages have arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port that keeps every message
 * it receives, for assertions in tests. No TLS; no authentication unless `auth` is given, then
 * AUTH is required and only that user and password pass (535 otherwise).
 */
export async function startSmtpSink(
  options: {
    auth?: { user: string; pass: string };
    /** XOAUTH2 only: a login passes when `validate` accepts the user and access token. */
    oauth2?: { validate(user: string, accessToken: string): Promise<boolean> };
    /** A fixed port (to bring a "down" server back where the desk expects it); else a free one. */
    port?: number;
  } = {},
): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  let reject: number | null = null;
  let connections = 0;
  let held: Promise<void> | null = null;
  const auth = options.auth;
  const oauth2 = options.oauth2;
  const serverOptions: SMTPServerOptions = {
    authOptional: !auth && !oauth2,
    disabledCommands: auth || oauth2 ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    ...(oauth2 ? { authMethods: ['XOAUTH2'] } : {}),
    onAuth(credentials, _session, callback) {
      if (oauth2) {
        const refuse = () => {
          const error = new Error('Invalid token') as Error & { responseCode: number };
          error.responseCode = 535;
          callback(error);
        };
        if (credentials.method !== 'XOAUTH2' || !credentials.accessToken) return refuse();
        oauth2
          .validate(credentials.username ?? '', credentials.accessToken)
          .then((ok) => (ok ? callback(null, { user: credentials.username ?? '' }) : refuse()), refuse);
        return;
      }
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
        return callback(null, { user: credentials.username });
      }
      const error = new Error('Invalid username or password') as Error & { responseCode: number };
      error.responseCode = 535;
      callback(error);
    },
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    // No reverse DNS lookup of every connecting client (127.0.0.1 here).
    disableReverseLookup: true,
    // Closing ends the desk's pooled connections quickly, so a closed sink is really down.
    closeTimeout: 200,
    size: 100 * 1024 * 1024,
    onRcptTo(_address, _session, callback) {
      if (reject) {
        const error = new Error(reject >= 500 ? 'mailbox unavailable' : 'try again later') as Error & {
          responseCode: number;
        };
        error.responseCode = reject;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          parsed: () => simpleParser(raw),
        });
        if (held) void held.then(() => callback());
        else callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: auth
      ? `smtp://${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@127.0.0.1:${port}`
      : `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get connections() {
      return connections;
    },
    rejectWith: (code) => {
      reject = code;
    },
    hold: () => {
      let release = () => undefined as void;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
    waitForCount: async (count, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`smtp sink: expected ${count} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages.slice(0, count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
