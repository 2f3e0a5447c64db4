import type { AppConfig } from '@app/config';
import { Worker } from 'node:worker_threads';
import { toNodemailerOptions, type OutboundMail } from './outbound-mail';
import { plainTextMime } from './plain-text-mime';

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

/** An SMTP error with the server's reply code, so callers can tell permanent (5xx) from transient. */
export class MailSendError extends Error {
  constructor(
    readonly code: string,
    readonly responseCode: number | null,
  ) {
    super(`send failed: ${code}${responseCode ? ` (${responseCode})` : ''}`);
  }

  get permanent(): boolean {
    return this.responseCode !== null && this.responseCode >= 500 && this.responseCode < 600;
  }
}

/**
 * Where one message goes out, when not through the default SMTP_URL: a mailbox's own SMTP URL, or
 * a mailbox signed in with OAuth2 (SASL XOAUTH2 with a fresh access token).
 */
export type SmtpRoute =
  | { url: string }
  | { host: string; port: number; secure: boolean; user: string; accessToken: string; rejectUnauthorized?: boolean };

/** Port: how the outbound use cases send. */
export abstract class MailTransport {
  /** False when there is no default outgoing server (no SMTP_URL): sends without a route fail. */
  abstract readonly configured: boolean;
  abstract send(mail: OutboundMail, route?: SmtpRoute): Promise<SendResult>;
  abstract close(): void;
}

/** What the SMTP thread answers for one message: plain data only, never the server's text on failure. */
type ThreadAnswer =
  | { id: number; ok: true; accepted: string[]; rejected: string[]; response: string }
  | { id: number; ok: false; code: string; responseCode: number | null };

// The thread's code is plain JavaScript evaluated as a string, so it runs the same under jest, swc
// and the compiled build (as the parser threads do); nodemailer is loaded by absolute path. One
// pooled transporter per server URL and pool size, shared by the transports that use it and closed
// when the last of them is.
const SMTP_THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Readable } = require('node:stream');
const nodemailer = require(workerData.nodemailerPath);
// A message built on the main thread goes to the pool as the message of a mail, the way nodemailer
// hands its compiled ones to a transport (getEnvelope, messageId, getHeader, createReadStream: all a
// pool asks of it), not through sendMail: that wraps it in a MailMessage and a MIME node first, and
// at a few hundred acknowledgements a second that wrapping was more than half of the thread's CPU
// (BENCHMARKS.md, M1). A fresh stream per call: the pool sends it again over another connection
// when a reused one turns out closed before a byte went.
function finished(raw, envelope, messageId) {
  const bytes = Buffer.from(raw, 'utf8');
  return { data: {}, message: {
    getEnvelope: () => ({ from: envelope.from, to: envelope.to.slice() }),
    messageId: () => messageId,
    getHeader: (name) => (String(name).toLowerCase() === 'message-id' ? messageId : undefined),
    createReadStream: () => Readable.from([bytes], { objectMode: false }),
  } };
}
function sendFinished(transporter, mail) {
  return new Promise((resolve, reject) =>
    transporter.transporter.send(mail, (error, info) => (error ? reject(error) : resolve(info))));
}
const pools = new Map();
function pooledFor(url, poolOptions, owner) {
  const key = JSON.stringify([url, poolOptions]);
  let pool = pools.get(key);
  if (!pool) {
    pool = { transporter: nodemailer.createTransport({ url, ...poolOptions }), owners: new Set() };
    pools.set(key, pool);
  }
  pool.owners.add(owner);
  return pool.transporter;
}
parentPort.on('message', async (msg) => {
  if (msg.release !== undefined) {
    for (const [key, pool] of pools) {
      pool.owners.delete(msg.release);
      if (pool.owners.size === 0) {
        pool.transporter.close();
        pools.delete(key);
      }
    }
    return;
  }
  const { id, owner, options, messageId, route, url, poolOptions } = msg;
  // Bytes arrive as Uint8Array (structured clone); nodemailer wants Buffers.
  for (const a of options.attachments || []) {
    if (a.content instanceof Uint8Array) a.content = Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength);
  }
  let transporter;
  let oneOff = false;
  if (!route || route.url) transporter = pooledFor(route ? route.url : url, poolOptions, owner);
  else {
    // OAuth2: the access token changes every hour, so a connection per message (no pool to go stale).
    transporter = nodemailer.createTransport({
      host: route.host, port: route.port, secure: route.secure,
      auth: { type: 'OAuth2', user: route.user, accessToken: route.accessToken },
      tls: { rejectUnauthorized: route.rejectUnauthorized ?? true },
      connectionTimeout: poolOptions.connectionTimeout, socketTimeout: poolOptions.socketTimeout,
    });
    oneOff = true;
  }
  try {
    const info = options.raw && !oneOff
      ? await sendFinished(transporter, finished(options.raw, options.envelope, messageId))
      : await transporter.sendMail(options);
    parentPort.postMessage({ id, ok: true, accepted: info.accepted.map(String), rejected: info.rejected.map(String),
      response: String(info.response) });
  } catch (e) {
    parentPort.postMessage({ id, ok: false, code: typeof (e && e.code) === 'string' ? e.code : 'send_failed',
      responseCode: typeof (e && e.responseCode) === 'number' ? e.responseCode : null });
  } finally {
    if (oneOff) transporter.close();
  }
});
`;

/**
 * The process's one SMTP thread, started on the first send of any transport (the auth, portal,
 * notification and outbound modules each have one) and ended when the last of them closes.
 */
class SmtpThread {
  private static current: SmtpThread | null = null;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (answer: ThreadAnswer) => void>();
  private nextId = 1;
  private users = 0;

  static acquire(): SmtpThread {
    SmtpThread.current ??= new SmtpThread();
    SmtpThread.current.users++;
    return SmtpThread.current;
  }

  private constructor() {
    this.worker = new Worker(SMTP_THREAD_SOURCE, {
      eval: true,
      workerData: { nodemailerPath: require.resolve('nodemailer') },
    });
    this.worker.on('message', (answer: ThreadAnswer) => {
      const resolve = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) this.worker.unref();
      resolve?.(answer);
    });
    // A thread that dies fails the sends it held as transient (retried); the next send starts another.
    const ended = (): void => {
      if (SmtpThread.current === this) SmtpThread.current = null;
      for (const [id, resolve] of this.waiting)
        resolve({ id, ok: false, code: 'smtp_thread_exited', responseCode: null });
      this.waiting.clear();
    };
    this.worker.on('error', ended);
    this.worker.on('exit', ended);
    this.worker.unref();
  }

  get alive(): boolean {
    return SmtpThread.current === this;
  }

  get threadId(): number {
    return this.worker.threadId;
  }

  send(message: Record<string, unknown>): Promise<ThreadAnswer> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      // Referenced only while a send is waiting: an idle thread keeps no process alive.
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  /** A transport is done: its pools close, and with the last transport the thread ends. */
  release(owner: number): void {
    this.worker.postMessage({ release: owner });
    if (--this.users > 0 || !this.alive) return;
    SmtpThread.current = null;
    // Pooled connections say QUIT first; a thread still busy after a second is ended.
    setTimeout(() => void this.worker.terminate(), 1000).unref();
  }
}

let nextOwner = 1;

/**
 * nodemailer SMTP adapter. The SMTP conversations run in a thread of their own (SmtpThread): each
 * message takes two round trips with the server (envelope and DATA pipelined, then the body), and
 * on a busy worker each reply waited for its turn on the main event loop behind intake batches, so
 * a pool of 5 connections carried fewer acknowledgements than the intake made (BENCHMARKS.md M1).
 * In the thread a reply is read when it arrives, and the MIME building moves off the main thread
 * too. One pooled transporter per server URL; the default URL comes from SMTP_URL. With no URL there
 * is no transport: sending fails with `smtp_not_configured` and the message stays visible as not
 * sent — never a silent log-only "success".
 */
export class SmtpMailTransport extends MailTransport {
  private thread: SmtpThread | null = null;
  private readonly owner = nextOwner++;
  /** nodemailer's pool: `maxConnections` per server (SMTP_MAX_CONNECTIONS; nodemailer's default 5). */
  private readonly poolOptions: Record<string, unknown>;

  constructor(
    private readonly url: string | undefined,
    maxConnections = 5,
  ) {
    super();
    // The URL goes inside the options object in the thread: given as `createTransport(url, options)`,
    // the options would be defaults for every message, not settings of the transport (no pool).
    this.poolOptions = { pool: true, maxConnections, connectionTimeout: 10_000, socketTimeout: 30_000 };
  }

  get configured(): boolean {
    return !!this.url;
  }

  /** The worker thread this transport last sent through (null before its first send): diagnostics, tests. */
  get threadId(): number | null {
    return this.thread?.alive ? this.thread.threadId : null;
  }

  async send(mail: OutboundMail, route?: SmtpRoute): Promise<SendResult> {
    if (!route && !this.url) throw new MailSendError('smtp_not_configured', null);
    const composed = toNodemailerOptions(mail);
    // Plain text without attachments is built here, far cheaper than by nodemailer (plain-text-mime.ts),
    // and the thread gives it to the pool as it is (see `finished` in the thread's source).
    const raw = plainTextMime(mail);
    const options = raw ? { envelope: composed.envelope, raw } : composed;
    if (!this.thread?.alive) this.thread = SmtpThread.acquire();
    const answer = await this.thread.send({
      owner: this.owner,
      options,
      messageId: mail.messageId,
      route,
      url: this.url,
      poolOptions: this.poolOptions,
    });
    if (!answer.ok) throw new MailSendError(answer.code, answer.responseCode);
    if (answer.rejected.length > 0 && answer.accepted.length === 0) throw new MailSendError('recipient_rejected', 550);
    return { accepted: answer.accepted, rejected: answer.rejected, response: answer.response };
  }

  close(): void {
    this.thread?.release(this.owner);
    this.thread = null;
  }
}

/** The desk's transport from its configuration (SMTP_URL, SMTP_MAX_CONNECTIONS): a Nest `useFactory`. */
export function smtpTransportFromConfig(config: AppConfig): SmtpMailTransport {
  return new SmtpMailTransport(config.values.SMTP_URL, config.values.SMTP_MAX_CONNECTIONS);
}
