// npm run bench:intake — email intake end to end against a private Dovecot, the machine's
// PostgreSQL and Redis, poller + worker in this process (as the all-in-one server runs them).
// Not part of `npm test`. BENCH_N sets the message count (default 600).
import 'reflect-metadata';
import { waitFor } from '@app/testing';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { startImapEnv, USER } from '../test/imap/support/imap-env';

const N = Number(process.env.BENCH_N ?? 600);

async function compose(i: number): Promise<{ raw: Buffer; messageId: string }> {
  const messageId = `<bench-${i}-${randomBytes(6).toString('hex')}@customer.test>`;
  const text = `Hello,\n\nmy order ${1000 + i} has not arrived yet. Could you check?\n\n${'Some more context. '.repeat(20)}\n\nThanks,\nCustomer ${i}`;
  const html = `<p>Hello,</p><p>my order <b>${1000 + i}</b> has not arrived yet.</p><p>${'Some more context. '.repeat(20)}</p>`;
  const kind = i % 3;
  const mail = new MailComposer({
    from: `Customer ${i} <customer${i % 50}@customer.test>`,
    to: USER,
    subject: `bench ${i}: order question`,
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

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const messages = await Promise.all(Array.from({ length: N }, (_, i) => compose(i)));
  const bytes = messages.reduce((s, m) => s + m.raw.length, 0);

  // 1. mailparser alone on the same messages.
  let t = performance.now();
  for (const m of messages) await simpleParser(m.raw, { skipTextToHtml: true, skipImageLinks: true });
  const parserRate = N / ((performance.now() - t) / 1000);

  const env = await startImapEnv({ env: { IMAP_FETCH_PAGE_SIZE: '50', QUEUE_CONCURRENCY: '8' } });
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

    // 2. Throughput: a backlog of N messages, poller started afterwards, time until N tickets.
    for (const m of messages) await appender.append('INBOX', m.raw);
    const poller = await env.startPoller();
    t = performance.now();
    await waitFor(async () => (await committed()) >= N, {
      timeoutMs: 600_000,
      intervalMs: 100,
      what: 'backlog tickets',
    });
    const e2eRate = N / ((performance.now() - t) / 1000);

    // 3. Latency at half the measured maximum, with the poller in IDLE: APPEND → committed ticket.
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
      `mailparser alone: ${parserRate.toFixed(0)} msg/s`,
      `end to end (Dovecot → poller → staging → queue → worker → ticket): ${e2eRate.toFixed(0)} tickets/s`,
      `ratio end-to-end / mailparser: ${(ratio * 100).toFixed(0)}% (target ≥ 50%)`,
      `APPEND → committed ticket at ${rate.toFixed(0)} msg/s (half the max), IDLE, ${latencies.length} messages: p50 ${p50} ms, p99 ${p99} ms (target p99 ≤ 1000 ms)`,
      `machine: ${machine}`,
      `command: BENCH_N=${N} npm run bench:intake`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const file = join(__dirname, '..', 'BENCHMARKS.md');
    const section = `\n## Email intake (issue 3)\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`BENCH_N=${N} npm run bench:intake\` (bench/intake.bench.ts): poller and worker in one process (QUEUE_CONCURRENCY=8), private Dovecot 2.3 on loopback, local PostgreSQL and Redis.\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
    if (existsSync(file)) appendFileSync(file, section);
    else writeFileSync(file, `# Benchmarks\n${section}`);
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
