// A process of its own for the SMTP sink a benchmark sends acknowledgements to (started by
// startSinkProcess in ./support): inside the load generator's process, 200 SMTP deliveries a second
// would delay the generator's own timers, and that delay would count as the server's latency.
// Prints one line with the sink's URL and stops on SIGTERM.
import { startSmtpSink } from '@app/testing';

async function main(): Promise<void> {
  const sink = await startSmtpSink();
  process.once('SIGTERM', () => {
    void sink.close().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ url: sink.url })}\n`);
}

void main();
