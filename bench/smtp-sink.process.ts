// A process of its own for the SMTP sink a benchmark sends acknowledgements to (started by
// startSinkProcess in ./support): inside the load generator's process, 200 SMTP deliveries a second
// would delay the generator's own timers, and that delay would count as the server's latency.
// Prints a line with the sink's URL, then a line with the count of messages received whenever it
// grew; stops on SIGTERM.
import { startSmtpSink } from '@app/testing';

async function main(): Promise<void> {
  const sink = await startSmtpSink();
  process.once('SIGTERM', () => {
    void sink.close().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ url: sink.url })}\n`);
  // Every 20 ms: the count so far, when it grew. Only the count is needed, so the messages kept
  // since the last look are let go.
  let received = 0;
  setInterval(() => {
    const fresh = sink.messages.length;
    if (fresh === 0) return;
    sink.messages.length = 0;
    received += fresh;
    process.stdout.write(`${JSON.stringify({ count: received })}\n`);
  }, 20);
}

void main();
