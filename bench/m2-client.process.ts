// The M2 client of bench:intake, in a process of its own: it APPENDs the latency messages to
// Dovecot at a fixed rate and polls GET /api/tickets until each one is listed, as a mail sender and
// an agent's browser would from elsewhere. Inside the bench's process (which is also the desk's),
// the client's own work — parsing a 100-ticket answer 50 times a second, the APPEND connection —
// shared the desk's event loop, and the time the desk waited for it counted as the desk's latency.
//
// Input: one JSON line on stdin (see Input). Output: one JSON line on stdout when every message is
// listed: the wall-clock time (Date.now(), the same clock as the bench's) each APPEND started and
// each subject was first seen.
import { ImapFlow } from 'imapflow';
import { sleep } from './support';

interface Input {
  baseUrl: string;
  cookie: string;
  imap: { host: string; port: number; user: string; pass: string };
  rate: number;
  pollMs: number;
  timeoutMs: number;
  messages: Array<{ subject: string; raw: string }>;
}

async function readInput(): Promise<Input> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Input;
}

async function main(): Promise<void> {
  const input = await readInput();
  const appendedAt: Record<string, number> = {};
  const seenAt: Record<string, number> = {};
  const wanted = new Set(input.messages.map((m) => m.subject));
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const started = Date.now();
      const res = await fetch(`${input.baseUrl}/api/tickets?view=all&sort=created&limit=100`, {
        headers: { cookie: input.cookie },
      });
      if (res.status !== 200) throw new Error(`GET /api/tickets answered ${res.status}`);
      const body = (await res.json()) as { items: Array<{ subject: string }> };
      const now = Date.now();
      for (const t of body.items) if (wanted.has(t.subject) && seenAt[t.subject] === undefined) seenAt[t.subject] = now;
      await sleep(Math.max(0, input.pollMs - (Date.now() - started)));
    }
  })();
  const appender = new ImapFlow({
    host: input.imap.host,
    port: input.imap.port,
    secure: false,
    auth: { user: input.imap.user, pass: input.imap.pass },
    logger: false,
    disableAutoIdle: true,
  });
  appender.on('error', () => undefined);
  await appender.connect();
  const start = Date.now();
  for (const [i, m] of input.messages.entries()) {
    const due = start + (i * 1000) / input.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    appendedAt[m.subject] = Date.now();
    await appender.append('INBOX', Buffer.from(m.raw, 'base64'));
  }
  await appender.logout();
  const deadline = Date.now() + input.timeoutMs;
  while (Object.keys(seenAt).length < wanted.size) {
    if (Date.now() > deadline) throw new Error(`only ${Object.keys(seenAt).length} of ${wanted.size} listed in time`);
    await sleep(50);
  }
  polling = false;
  await poll;
  process.stdout.write(`${JSON.stringify({ appendedAt, seenAt })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`m2 client failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
