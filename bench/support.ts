// Shared by the benchmarks: percentiles, machine CPU and load, and the BENCHMARKS.md block writer.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');
export const BENCHMARKS_FILE = join(ROOT, 'BENCHMARKS.md');

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Busy and total jiffies of all CPUs (Linux /proc/stat; zeros elsewhere). */
export function machineCpu(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export function machineLine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}; ${cpuSteadiness()}`;
}

/**
 * How steady the CPU was: the same fixed loop timed 7 times back to back. On a shared host one core's
 * speed can swing by half from one second to the next (562–920 ms for one loop seen on an idle
 * machine), and then latency figures swing with it; the spread printed beside them says so.
 */
export function cpuSteadiness(runs = 7, iterations = 30_000_000): string {
  const times: number[] = [];
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) sink += i % 7;
    times.push(performance.now() - started);
  }
  if (sink < 0) times.push(0); // keeps the loop from being optimised away
  const min = Math.min(...times);
  const max = Math.max(...times);
  return `a fixed CPU loop took ${min.toFixed(0)}–${max.toFixed(0)} ms over ${runs} runs (spread ${(((max - min) / min) * 100).toFixed(0)}%)`;
}

export function load1(): string {
  return loadavg()[0]?.toFixed(1) ?? '?';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Replaces the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in BENCHMARKS.md
 * (the prose around it is kept); appends a section with the markers when they are missing.
 */
export function writeBenchBlock(name: string, heading: string, block: string, file = BENCHMARKS_FILE): void {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) {
    writeFileSync(file, `${text.trimEnd()}\n\n## ${heading}\n\n${open}\n${block}${close}\n`);
    return;
  }
  writeFileSync(file, `${text.slice(0, start + open.length)}\n${block}${text.slice(end)}`);
}

/** A measured block: a heading line with date and load, then the lines as a list. */
export function measuredBlock(lines: string[], loadBefore: string): string {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return `\nMeasured ${when} UTC, load average ${loadBefore} before and ${load1()} after:\n\n${lines.map((l) => `- ${l}`).join('\n')}\n\n`;
}

/**
 * Builds the server (and web app) when a source changed since the last build, as `npm start` does:
 * the benchmarks run the desk's processes from dist/ as production does, since on-the-fly
 * TypeScript compilation would add its own memory and start-up time to every figure.
 */
export function buildIfStale(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) throw new Error('build failed');
}

/**
 * The Node flags `npm start` / `npm run start:<app>` give this process (package.json), so a bench
 * runs each process as it is run for real; BENCH_NODE_FLAGS replaces them for an experiment.
 */
export function nodeFlagsOf(app: string): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const script = scripts[app === 'all-in-one' ? 'start' : `start:${app}`] ?? '';
  const command = / node ((?:--\S+ )*)dist\//.exec(` ${script.split('&&').pop() ?? ''}`);
  if (!command) throw new Error(`package.json has no start script for ${app} of the form "node [--flags] dist/..."`);
  return command[1].split(' ').filter(Boolean);
}

/**
 * Starts one of the desk's processes as its `npm run start:*` script does (`app` is all-in-one,
 * api, worker or poller; built first with buildIfStale); stderr lines go to `output`.
 */
export function startProcess(app: string, env: NodeJS.ProcessEnv, output: string[]): ChildProcess {
  const main = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  const child = spawn(process.execPath, [...nodeFlagsOf(app), main], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    output.push(d.toString().trimEnd());
    if (output.length > 200) output.splice(0, output.length - 200);
  });
  return child;
}

/**
 * The SMTP sink in a process of its own (bench/smtp-sink.process.ts), so its work never delays a
 * load generator's timers or the desk's event loop. `nice` 19 by default: a real relay is another
 * machine, its work is not the desk's. Resolves with its URL once it listens; `received()` is the
 * number of messages it has taken so far (reported every 20 ms); `close` stops it.
 */
export async function startSinkProcess(
  options: { nice?: number } = {},
): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'bench', 'smtp-sink.process.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.pid) setPriority(child.pid, options.nice ?? 19);
  let received = 0;
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const message = JSON.parse(line) as { url?: string; count?: number };
        if (message.url) resolve(message.url);
        if (message.count !== undefined) received = message.count;
      }
    });
    child.once('exit', (code) => reject(new Error(`SMTP sink process exited (${code}) before listening`)));
  });
  return { url, received: () => received, close: () => stopProcess(child) };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const hard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(hard);
}

/** Runs a benchmark's main: exits with its exit code, or prints the failure and exits 1. */
export function runBench(main: () => Promise<void>): void {
  main()
    .then(() => process.exit(process.exitCode ?? 0))
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    });
}
