import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU time (user + system, seconds) per program, summed over its live processes (Linux /proc), each
 * with the CPU of the children it has reaped: a PostgreSQL backend or a Dovecot imap process that
 * ends between two snapshots (a part closing its connections) would otherwise take its CPU with it,
 * and a delta could even come out negative. Its postmaster or Dovecot master reaps it, so the time
 * stays under the same program.
 */
export function cpuByProgram(): Map<string, number> {
  return sumOver(
    '/proc',
    (pid) => /^\d+$/.test(pid),
    (_pid, comm) => programOf(comm),
    true,
  );
}

/**
 * CPU time per thread of this process (Linux /proc/self/task): the main thread, and the others by
 * tid (worker threads, V8's helper threads and the libuv pool; Node 20 names them all "node").
 */
export function cpuByThread(): Map<string, number> {
  return sumOver(
    '/proc/self/task',
    () => true,
    (tid, comm) => (tid === String(process.pid) ? 'main' : `${comm === 'node' ? 'thread' : comm} ${tid}`),
  );
}

/** The CPU seconds each key used between two snapshots, per item (ms), largest first. */
export function cpuPerItem(before: Map<string, number>, after: Map<string, number>, items: number): string {
  const rows = [...after.entries()]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1]);
  return rows.map(([name, s]) => `${name} ${((s / items) * 1000).toFixed(1)}`).join(', ');
}

function sumOver(
  dir: string,
  include: (entry: string) => boolean,
  keyOf: (entry: string, comm: string) => string,
  withReapedChildren = false,
): Map<string, number> {
  const totals = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync(dir).filter(include);
  } catch {
    return totals; // not Linux
  }
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`${dir}/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces, so the fields start after the last ')';
    // utime and stime are the 14th and 15th fields, cutime and cstime (reaped children) the next two.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const key = keyOf(entry, comm);
    let ticks = Number(fields[11]) + Number(fields[12]);
    if (withReapedChildren) ticks += Number(fields[13]) + Number(fields[14]);
    totals.set(key, (totals.get(key) ?? 0) + ticks / TICKS_PER_SECOND);
  }
  return totals;
}

function programOf(comm: string): string {
  if (comm.startsWith('postgres')) return 'postgres';
  if (comm.startsWith('redis')) return 'redis';
  if (['dovecot', 'imap', 'imap-login', 'auth', 'log', 'config', 'anvil', 'stats'].includes(comm)) return 'dovecot';
  // Node 24 names its main thread (and so the process) "MainThread".
  if (comm.startsWith('node') || comm === 'MainThread' || comm.startsWith('jest') || comm.startsWith('npm'))
    return 'node';
  return 'other';
}
