// npm run bench:intake — email intake end to end against a private Dovecot, the machine's
// PostgreSQL and Redis, poller + worker in this process (as the all-in-one server runs them).
// Not part of `npm test`. BENCH_N sets the message count (default 2000).
import 'reflect-metadata';
import { waitFor } from '@app/testing';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { IntakeMetrics } from '@app/intake';
import { startImapEnv, USER, type ImapEnv } from '../test/imap/support/imap-env';
import { cpuByProgram, cpuByThread, cpuPerItem } from './process-cpu';
import { startProfile } from './profile';

const N = Number(process.env.BENCH_N ?? 2000);
// Messages sent through the desk before timing (BENCH_WARMUP_N; 0 = time a cold desk).
const WARMUP_N = Number(process.env.BENCH_WARMUP_N ?? 1000);

async function compose(i: number, label = 'bench'): Promise<{ raw: Buffer; messageId: string }> {
  const messageId = `<${label}-${i}-${randomBytes(6).toString('hex')}@customer.test>`;
  const text = `Hello,\n\nmy order ${1000 + i} has not arrived yet. Could you check?\n\n${'Some more context. '.repeat(20)}\n\nThanks,\nCustomer ${i}`;
  const html = `<p>Hello,</p><p>my order <b>${1000 + i}</b> has not arrived yet.</p><p>${'Some more context. '.repeat(20)}</p>`;
  const kind = i % 3;
  const mail = new MailComposer({
    from: `Customer ${i} <customer${i % 50}@customer.test>`,
    to: USER,
    subject: `${label} ${i}: order question`,
    messageId,
    date: new Date(),
    ...(kind === 0 ? { text } : kind === 1 ? { html } : { text, html }),
    ...(i % 10 === 0
      ? {
          attachments: [
            { filename: `invoice-${i}.pdf`, content: randomBytes(200 * 1024), contentType: 'application/pdf' },
          ],
        }
      : {}),
  });
  const raw = await new Promise<Buffer>((resolve, reject) =>
    mail.compile().build((error, message) => (error ? reject(error) : resolve(message))),
  );
  return { raw, messageId };
}

/** Replaces the block between this benchmark's markers in BENCHMARKS.md (the prose around it is kept). */
function writeBlock(file: string, block: string): void {
  const open = '<!-- bench:intake -->';
  const close = '<!-- /bench:intake -->';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) {
    writeFileSync(file, `${text}\n## Email intake (issue 3)\n\n${open}\n${block}${close}\n`);
    return;
  }
  writeFileSync(file, `${text.slice(0, start + open.length)}\n${block}${text.slice(end)}`);
}

/**
 * Where the backlog run spent its time, from the rows' own timestamps: when the poller staged the
 * first and last message, when the worker committed the first and last, how long a message waited
 * in the queue, and the mean pipeline time per job (parse + filters + persist, from the metrics).
 */
async function pipelineTotals(env: ImapEnv): Promise<{ sum: number; count: number }> {
  const metrics = env.app.app.get(IntakeMetrics, { strict: false });
  const histogram = (await metrics.pipelineDuration.get()).values;
  return {
    sum: histogram.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0,
    count: histogram.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
  };
}

async function whereTimeGoes(env: ImapEnv, t0: number, before: { sum: number; count: number }): Promise<string> {
  const [row] = await env.app.dataSource.query<
    Array<{ s0: Date; s1: Date; p0: Date; p1: Date; wait: number; settled: Date | null }>
  >(
    `SELECT min(created_at) AS s0, max(created_at) AS s1, min(processed_at) AS p0, max(processed_at) AS p1,
            avg(extract(epoch FROM processed_at - created_at)) * 1000 AS wait, max(settled_at) AS settled
       FROM inbound_messages WHERE kind = 'email' AND created_at >= $1`,
    [new Date(t0)],
  );
  if (!row) return 'no rows';
  const s = (d: Date | null): string => (d ? `${((d.getTime() - t0) / 1000).toFixed(1)} s` : '-');
  const after = await pipelineTotals(env);
  const sum = after.sum - before.sum;
  const count = after.count - before.count;
  return (
    `staged ${s(row.s0)} → ${s(row.s1)}, committed ${s(row.p0)} → ${s(row.p1)}, ` +
    `staged→committed mean ${Number(row.wait).toFixed(0)} ms, pipeline per job mean ${((sum / Math.max(count, 1)) * 1000).toFixed(0)} ms, ` +
    `last settled ${s(row.settled)}`
  );
}

/** Busy and total jiffies of all CPUs (Linux /proc/stat; zeros elsewhere). */
function machineCpu(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]?.toFixed(1);
  const messages = await Promise.all(Array.from({ length: N }, (_, i) => compose(i)));
  const bytes = messages.reduce((s, m) => s + m.raw.length, 0);

  // 1. mailparser alone on the same messages: one warm-up pass (JIT), then the median of three.
  const parsePass = async (): Promise<number> => {
    const start = performance.now();
    for (const m of messages) await simpleParser(m.raw, { skipTextToHtml: true, skipImageLinks: true });
    return N / ((performance.now() - start) / 1000);
  };
  await parsePass();
  const passes = [await parsePass(), await parsePass(), await parsePass()].sort((a, b) => a - b);
  const parserRate = passes[1] ?? NaN;
  let t: number;

  const env = await startImapEnv({
    // The defaults (QUEUE_CONCURRENCY 8, INTAKE_BATCH_SIZE 25, DATABASE_POOL_SIZE 10).
    env: {
      IMAP_FETCH_PAGE_SIZE: '50',
      ...(process.env.INTAKE_BATCH_SIZE ? { INTAKE_BATCH_SIZE: process.env.INTAKE_BATCH_SIZE } : {}),
      ...(process.env.INTAKE_BATCH_WAIT_MS ? { INTAKE_BATCH_WAIT_MS: process.env.INTAKE_BATCH_WAIT_MS } : {}),
    },
  });
  try {
    const appender = env.dovecot.client(USER);
    await appender.connect();
    const committed = async (): Promise<number> =>
      Number(
        (
          await env.app.dataSource.query<Array<{ n: string }>>(
            `SELECT count(*) AS n FROM tickets WHERE subject LIKE 'bench %'`,
          )
        )[0]?.n,
      );

    // 2. Warm-up, as mailparser got one: a first backlog through the whole desk, so that the timed
    // one does not also pay for JIT-compiling the app, imapflow, pg, BullMQ and the parser threads.
    const warm = await Promise.all(Array.from({ length: WARMUP_N }, (_, i) => compose(i, 'warm-up')));
    for (const m of warm) await appender.append('INBOX', m.raw);
    const warmPoller = await env.startPoller();
    await waitFor(
      async () =>
        Number(
          (
            await env.app.dataSource.query<Array<{ n: string }>>(
              `SELECT count(*) AS n FROM inbound_messages WHERE kind = 'email' AND settled_at IS NOT NULL`,
            )
          )[0]?.n,
        ) >= WARMUP_N,
      { timeoutMs: 600_000, intervalMs: 100, what: 'warm-up settled' },
    );
    await warmPoller.close();

    // 3. Throughput: a backlog of N messages, poller started afterwards, time until N tickets.
    for (const m of messages) await appender.append('INBOX', m.raw);
    const pipeline0 = await pipelineTotals(env);
    t = performance.now();
    const t0 = Date.now();
    const profiler = process.env.BENCH_PROFILE ? await startProfile() : null;
    const cpu0 = process.cpuUsage();
    const machine0 = machineCpu();
    const programs0 = cpuByProgram();
    const threads0 = cpuByThread();
    const elu0 = performance.eventLoopUtilization();
    const poller = await env.startPoller();
    await waitFor(async () => (await committed()) >= N, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'backlog tickets',
    });
    const e2eSeconds = (performance.now() - t) / 1000;
    const e2eRate = N / e2eSeconds;
    const cpu = process.cpuUsage(cpu0);
    const machine1 = machineCpu();
    const programs = cpuPerItem(programs0, cpuByProgram(), N);
    const threads = cpuPerItem(threads0, cpuByThread(), N);
    const machineBusy = (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total);
    const mainBusy = performance.eventLoopUtilization(elu0).utilization;
    if (profiler) await profiler.stop(process.env.BENCH_PROFILE ?? 'intake.cpuprofile');
    const cpuLine = `this process during the backlog: ${(((cpu.user + cpu.system) / 1e6 / N) * 1000).toFixed(1)} ms CPU per message (all threads; user ${(cpu.user / 1e3 / N).toFixed(1)}, system ${(cpu.system / 1e3 / N).toFixed(1)}), main thread busy ${(mainBusy * 100).toFixed(0)}% of ${e2eSeconds.toFixed(1)} s; the machine's CPUs ${(machineBusy * 100).toFixed(0)}% busy (/proc/stat); CPU ms per message by program (whole machine, so other work shows as well): ${programs}; this process by thread (the parser threads and V8's helper threads): ${threads}`;
    const profile = await whereTimeGoes(env, t0, pipeline0);

    // 4. Latency at half the measured maximum, with the poller in IDLE: APPEND → committed ticket.
    const paced = await Promise.all(Array.from({ length: Math.min(N, 300) }, (_, i) => compose(N + i)));
    const rate = e2eRate / 2;
    const appendedAt = new Map<string, number>();
    const start = Date.now();
    for (let i = 0; i < paced.length; i++) {
      const due = start + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const m = paced[i];
      if (!m) continue;
      appendedAt.set(m.messageId, Date.now());
      await appender.append('INBOX', m.raw);
    }
    await waitFor(async () => (await committed()) >= N + paced.length, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'paced tickets',
    });
    const rows = await env.app.dataSource.query<Array<{ message_id_header: string; at: Date }>>(
      `SELECT message_id_header, created_at AS at FROM messages WHERE message_id_header = ANY($1) AND direction = 'in'`,
      [[...appendedAt.keys()]],
    );
    const latencies = rows.map((r) => r.at.getTime() - (appendedAt.get(r.message_id_header) ?? NaN));
    await appender.logout();
    await poller.close();

    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const ratio = e2eRate / parserRate;
    const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}`;
    const lines = [
      `messages: ${N} (${(bytes / 1024 / 1024).toFixed(1)} MB; plain / HTML / multipart-alternative, 10% with a 200 KB attachment)`,
      `mailparser alone: ${parserRate.toFixed(0)} msg/s (median of 3 passes after a warm-up; passes ${passes.map((p) => p.toFixed(0)).join(' / ')})`,
      `end to end (Dovecot → poller → staging → queue → worker → ticket): ${e2eRate.toFixed(0)} tickets/s`,
      `ratio end-to-end / mailparser: ${(ratio * 100).toFixed(0)}% (target ≥ 50%)`,
      `APPEND → committed ticket at ${rate.toFixed(0)} msg/s (half the max), IDLE, ${latencies.length} messages: p50 ${p50} ms, p99 ${p99} ms (target p99 ≤ 1000 ms)`,
      `where the backlog's time went: ${profile}`,
      cpuLine,
      `machine: ${machine}`,
      `command: BENCH_N=${N} npm run bench:intake`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const file = join(__dirname, '..', 'BENCHMARKS.md');
    const block = `\nMeasured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${loadBefore} before and ${loadavg()[0]?.toFixed(1)} after:\n\n${lines.map((l) => `- ${l}`).join('\n')}\n\n`;
    if (process.env.BENCH_WRITE !== '0') writeBlock(file, block);
  } finally {
    await env.close();
  }
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
