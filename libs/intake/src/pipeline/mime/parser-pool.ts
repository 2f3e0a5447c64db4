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
  }>;
}

// The thread's code is plain JavaScript evaluated as a string, so it runs the same under jest, swc
// and the compiled build. mailparser is loaded by absolute path from the parent's resolution.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { simpleParser } = require(workerData.mailparserPath);
parentPort.on('message', async ({ id, raw, maxHtmlLength }) => {
  try {
    const p = await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
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
});
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
  job: (Pending & { timer: NodeJS.Timeout }) | null;
}

/**
 * mailparser runs in a small pool of worker threads. Why a thread and not a Promise.race: a parse
 * that loops synchronously (format=flowed bodies of megabytes, mailparser #389; bad boundaries,
 * #263) blocks the event loop, so no timer in the same thread could ever fire — BullMQ would then
 * lose the job's lock and run it twice. A thread can be terminated from outside: on timeout we kill
 * it, start a fresh one and quarantine the message with `parse_timeout`. The pool is per process,
 * created on first use; idle threads do not keep the process alive.
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
      let slot = this.slots.find((s) => s.job === null);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const next = this.waiting.shift()!;
      this.start(slot, next);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { mailparserPath: this.mailparserPath },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    const slot: Slot = { worker, job: null };
    worker.on('message', (msg: { id: number; ok: boolean; result?: ParsedInWorker; error?: string }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      clearTimeout(job.timer);
      slot.job = null;
      worker.unref();
      if (msg.ok && msg.result) job.resolve(msg.result);
      else job.reject(new QuarantineError('parse_failed'));
      this.pump();
    });
    const replace = (reason: string): void => {
      const job = slot.job;
      slot.job = null;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      if (job) {
        clearTimeout(job.timer);
        job.reject(new QuarantineError(reason));
      }
      this.pump();
    };
    // A thread that dies (out of its heap limit, a native crash) fails only its own message.
    worker.on('error', () => replace('parse_failed'));
    worker.on('exit', () => replace('parse_failed'));
    // After the listeners: adding a 'message' listener refs the thread again.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Pending): void {
    const timer = setTimeout(() => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.job = null;
      slot.worker.removeAllListeners('exit');
      slot.worker.removeAllListeners('error');
      slot.worker.on('error', () => undefined);
      void slot.worker.terminate();
      job.reject(new QuarantineError('parse_timeout'));
      this.pump();
    }, job.timeoutMs);
    timer.unref();
    slot.job = { ...job, timer };
    // Referenced only while busy: a waiting caller keeps the process alive, an idle pool does not.
    slot.worker.ref();
    // Copy into a transferable buffer so the caller keeps its own bytes.
    const copy = new Uint8Array(job.raw.length);
    copy.set(job.raw);
    slot.worker.postMessage({ id: job.id, raw: copy, maxHtmlLength: this.maxHtmlLength }, [copy.buffer]);
  }
}

let shared: ParserPool | null = null;

/** The process-wide pool (two threads: the machines have two cores and the worker runs other jobs too). */
export function sharedParserPool(): ParserPool {
  shared ??= new ParserPool(2);
  return shared;
}
