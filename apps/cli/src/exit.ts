/**
 * Ends the CLI with `code` once stdout and stderr have handed everything to the operating system.
 * Writes to a pipe are asynchronous: `process.exit()` straight away drops whatever the pipe has not
 * taken yet, so `intake … --json | jq` got the first 64 KiB of a large document.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map(flushed));
  process.exit(code);
}

/** An empty write's callback runs after every earlier write of the stream has been flushed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}

/** Commander's own errors (unknown command, missing argument, help shown) carry their exit code. */
export function commanderExitCode(error: unknown): number | null {
  const e = error as { code?: unknown; exitCode?: unknown } | null;
  return typeof e?.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number'
    ? e.exitCode
    : null;
}
