import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, seconds) per program name, summed over its live processes (Linux /proc). */
export function cpuByProgram(): Map<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const totals = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return totals; // not Linux
  }
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ..." — comm may contain spaces, so split after the last ')'.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / ticks;
    const key = programOf(name);
    totals.set(key, (totals.get(key) ?? 0) + seconds);
  }
  return totals;
}

function programOf(comm: string): string {
  if (comm.startsWith('postgres')) return 'postgres';
  if (comm.startsWith('redis')) return 'redis';
  if (['dovecot', 'imap', 'imap-login', 'auth', 'log', 'config', 'anvil', 'stats'].includes(comm)) return 'dovecot';
  if (comm === 'node' || comm.startsWith('node') || comm.startsWith('jest') || comm.startsWith('npm')) return 'node';
  return 'other';
}

/** The CPU seconds each program used between two snapshots, per item (ms), largest first. */
export function cpuPerItem(before: Map<string, number>, after: Map<string, number>, items: number): string {
  const rows = [...after.entries()]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1]);
  return rows.map(([name, s]) => `${name} ${((s / items) * 1000).toFixed(1)}`).join(', ');
}

/** CPU seconds per thread name of this process (Linux /proc/self/task): main, workers, GC helpers, libuv pool. */
export function cpuByThread(): Map<string, number> {
  const totals = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return totals; // not Linux
  }
  for (const tid of tasks) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Node 20 names every thread "node"; the tid tells them apart.
    const key = tid === String(process.pid) ? 'main' : `${name === 'node' ? 'thread' : name} ${tid}`;
    totals.set(key, (totals.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return totals;
}
