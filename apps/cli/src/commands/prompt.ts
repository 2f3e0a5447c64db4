import { createInterface } from 'node:readline';

/** Reads a secret from the terminal without echoing it (or one line from a pipe). */
export async function promptSecret(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const muted = rl as unknown as { _writeToOutput?: (s: string) => void; output: NodeJS.WriteStream };
  if (process.stdin.isTTY) {
    muted._writeToOutput = (s: string) => {
      if (s.includes(question)) muted.output.write(s);
    };
  }
  try {
    return await new Promise((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (process.stdin.isTTY) process.stdout.write('\n');
  }
}
