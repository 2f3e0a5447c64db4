/**
 * Output helpers shared by commands: JSON for scripts, aligned text for people. Everything meant
 * for people goes through `terminalSafe`: subjects, names, bodies and file names come from
 * strangers' mail, and a raw ESC, BEL or bidi override would reach the operator's terminal
 * (recolouring, retitling or reordering what they read). JSON needs no such care: JSON.stringify
 * escapes control characters.
 */

/** C0 and C1 controls (but tab and newline), DEL, and the bidi embedding/override/isolate marks. */
const UNSAFE_MULTILINE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same plus tab and newline, for one-line values such as table cells. */
// eslint-disable-next-line no-control-regex -- as above
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character shown as a visible escape (`\x1b`, `\u202e`). */
export function terminalSafe(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(options.multiline === false ? UNSAFE_ONE_LINE : UNSAFE_MULTILINE, visible);
}

/** Writes human-readable text (newlines kept, every other control character escaped). */
export function printText(text: string): void {
  process.stdout.write(terminalSafe(text));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One JSON document on one line (JSON lines: one result per line for `jq -c`, `grep`, …). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printTable(rows: Array<Record<string, string | number | null>>): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: string | number | null | undefined) => terminalSafe(String(value ?? ''), { multiline: false });
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

/** Set a non-zero exit code with one clear line; commands never print stack traces to users. */
export function fail(message: string): void {
  process.stderr.write(`error: ${terminalSafe(message, { multiline: false })}\n`);
  process.exitCode = 1;
}

/** A warning or error line on stderr (escaped like everything else meant for people). */
export function printError(text: string): void {
  process.stderr.write(terminalSafe(text));
}
