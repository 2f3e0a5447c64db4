import { Worker } from 'node:worker_threads';
import type { AddressObject } from 'mailparser';
import { QuarantineError } from '../../intake.error';

/** What the parser thread sends back: plain data only (structured clone), attachment bytes transferred. */
export interface ParsedInWorker {
  subject: string | undefined;
  from: AddressObject | undefined;
  to: AddressObject | AddressObject[] | undefined;
  cc: AddressObject | AddressObject[] | undefined;
  replyTo: AddressObject | undefined;
  text: string | undefined;
  html: string | false;
  messageId: string | undefined;
  inReplyTo: string | undefined;
  references: string | string[] | undefined;
  date: Date | undefined;
  headerLines: Array<{ key: string; line: string }>;
  attachments: Array<{
    filename: string | undefined;
    contentType: string;
    content: Uint8Array;
    contentId: string | undefined;
    contentDisposition: string;
    related: boolean;
    /** Set in the main thread for a part left in the staging row (parse-email, mime/staged-parts.ts). */
    staged?: { start: number; end: number };
  }>;
}

// The thread's code is plain JavaScript evaluated as a string, so it runs the same under jest, swc
// and the compiled build. mailparser is loaded by absolute path from the parent's resolution.
// Messages are parsed one after another in arrival order (the pool hands a thread its next
// messages ahead of time, and times only the one at the head of the line).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { simpleParser } = require(workerData.mailparserPath);
let line = Promise.resolve();
parentPort.on('message', (job) => { line = line.then(() => parseOne(job)); });
const { Readable } = require('node:stream');
const SLICE = 64 * 1024;
function* slices(bytes) {
  for (let at = 0; at < bytes.length; at += SLICE) yield bytes.subarray(at, at + SLICE);
}
async function parseOne({ id, raw, maxHtmlLength }) {
  try {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    // A large message goes in as a stream of small slices: handed over whole, mailparser's decoders
    // turn a 34 MB body into strings of its full size at once.
    const input = bytes.length > workerData.streamFrom ? Readable.from(slices(bytes)) : bytes;
    const p = await simpleParser(input, {
      skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true,
      maxHtmlLengthToParse: maxHtmlLength, keepDeliveryStatus: true,
    });
    const transfer = [];
    const attachments = p.attachments.map((a) => {
      const c = a.content;
      let bytes;
      if (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength && c.byteLength > 65536) {
        bytes = new Uint8Array(c.buffer);
        transfer.push(c.buffer);
      } else {
        bytes = new Uint8Array(c);
      }
      return { filename: a.filename, contentType: a.contentType, content: bytes, contentId: a.contentId,
        contentDisposition: a.contentDisposition, related: !!a.related };
    });
    parentPort.postMessage({ id, ok: true, result: {
      subject: p.subject, from: p.from, to: p.to, cc: p.cc, replyTo: p.replyTo, text: p.text,
      html: p.html, messageId: p.messageId, inReplyTo: p.inReplyTo, references: p.references,
      date: p.date, headerLines: p.headerLines, attachments } }, transfer);
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: String((error && error.code) || 'parse_failed') });
  }
}
`;

interface Pending {
  id: number;
  raw: Buffer;
  timeoutMs: number;
  resolve: (value: ParsedInWorker) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Handed to this thread, in order; the first is being parsed, the rest wait in the thread. */
  jobs: Pending[];
  /** The time budget of the first job. */
  timer: NodeJS.Timeout | null;
}

/** Messages from this size on are fed to mailparser in slices (the thread's source says why). */
const STREAM_FROM_BYTES = 1024 * 1024;

/** Messages a thread holds beyond the one it parses, so it never waits for the next one... */
const AHEAD = 3;
/** ...as long as they are small: raw bytes waiting in one thread stay under this. */
const AHEAD_BYTES = 4 * 1024 * 1024;

/**
 * mailparser runs in a small pool of worker threads. Why a thread and not a Promise.race: a parse
 * that loops synchronously (format=flowed bodies of megabytes, mailparser #389; bad boundaries,
 * #263) blocks the event loop, so no timer in the same thread could ever fire — BullMQ would then
 * lose the job's lock and run it twice. A thread can be terminated from outside: on timeout we kill
 * it, start a fresh one and quarantine the message with `parse_timeout`. The pool is per process,
 * created on first use; idle threads do not keep the process alive.
 *
 * Each thread is handed its next few messages while it parses one (up to AHEAD, within
 * AHEAD_BYTES): a thread that had to wait for the main thread between two messages ran the pool
 * at one thread's rate (1,900 msg/s with two threads, as fast as one). Only the message at the
 * head of a thread's line is timed; when a thread is killed or dies, the one it was parsing fails
 * and the ones behind it go back to the front of the queue, untouched.
 */
export class ParserPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private readonly mailparserPath = require.resolve('mailparser');

  constructor(
    private readonly size: number,
    private readonly maxHtmlLength = 2 * 1024 * 1024,
  ) {}

  parse(raw: Buffer, timeoutMs: number): Promise<ParsedInWorker> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, raw, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  /** Starts every thread now (a worker process calls this at boot, so the first batch does not wait for them). */
  warm(): void {
    while (this.slots.length < this.size) this.spawn();
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      let slot = this.slots.find((s) => s.jobs.length === 0);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      slot ??= this.slots
        .filter((s) => s.jobs.length <= AHEAD && aheadBytes(s) + next.raw.length <= AHEAD_BYTES)
        .sort((a, b) => a.jobs.length - b.jobs.length)[0];
      if (!slot) return;
      this.waiting.shift();
      this.hand(slot, next);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { mailparserPath: this.mailparserPath, streamFrom: STREAM_FROM_BYTES },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    const slot: Slot = { worker, jobs: [], timer: null };
    worker.on('message', (msg: { id: number; ok: boolean; result?: ParsedInWorker; error?: string }) => {
      const job = slot.jobs[0];
      if (!job || job.id !== msg.id) return;
      this.finishHead(slot);
      if (msg.ok && msg.result) job.resolve(msg.result);
      else job.reject(new QuarantineError('parse_failed'));
      this.pump();
    });
    // A thread that dies (out of its heap limit, a native crash) fails only the message it parsed.
    worker.on('error', () => this.retire(slot, 'parse_failed'));
    worker.on('exit', () => this.retire(slot, 'parse_failed'));
    // After the listeners: adding a 'message' listener refs the thread again.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private hand(slot: Slot, job: Pending): void {
    slot.jobs.push(job);
    if (slot.jobs.length === 1) this.startTimer(slot);
    // Referenced only while busy: a waiting caller keeps the process alive, an idle pool does not.
    slot.worker.ref();
    // Shared memory (a large message, read-raw.ts) is posted as it is: the thread reads the same
    // bytes and never writes them. Otherwise a copy into a transferable buffer, so the caller keeps
    // its own bytes.
    if (job.raw.buffer instanceof SharedArrayBuffer) {
      slot.worker.postMessage({ id: job.id, raw: job.raw, maxHtmlLength: this.maxHtmlLength });
      return;
    }
    const copy = new Uint8Array(job.raw.length);
    copy.set(job.raw);
    slot.worker.postMessage({ id: job.id, raw: copy, maxHtmlLength: this.maxHtmlLength }, [copy.buffer]);
  }

  /** The head's budget starts when the thread gets to it. */
  private startTimer(slot: Slot): void {
    const head = slot.jobs[0];
    if (!head) return;
    slot.timer = setTimeout(() => {
      slot.worker.removeAllListeners('exit');
      slot.worker.removeAllListeners('error');
      slot.worker.on('error', () => undefined);
      void slot.worker.terminate();
      this.retire(slot, 'parse_timeout');
    }, head.timeoutMs);
    slot.timer.unref();
  }

  private finishHead(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.jobs.shift();
    if (slot.jobs.length > 0) this.startTimer(slot);
    else slot.worker.unref();
  }

  /** Takes a thread out of the pool: its current message fails, the rest are queued again first. */
  private retire(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const [head, ...rest] = slot.jobs.splice(0);
    this.waiting.unshift(...rest);
    head?.reject(new QuarantineError(reason));
    this.pump();
  }
}

function aheadBytes(slot: Slot): number {
  let bytes = 0;
  for (let i = 1; i < slot.jobs.length; i++) bytes += slot.jobs[i].raw.length;
  return bytes;
}

let shared: ParserPool | null = null;

/** The process-wide pool (two threads: the machines have two cores and the worker runs other jobs too). */
export function sharedParserPool(): ParserPool {
  shared ??= new ParserPool(2);
  return shared;
}
