import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the CPU priority of this whole process by `increment` nice levels (at most to 19) and
 * returns the nice value now in force. On Linux a nice value belongs to each thread, and V8's
 * helper threads are already running when a process gets here, so every thread under
 * /proc/self/task is set; threads started later (the parser threads, libuv's pool) inherit the
 * main thread's value. Lowering needs no privilege; 0 leaves the process as it is.
 */
export function lowerCpuPriority(increment: number): number {
  const current = getPriority();
  if (increment <= 0) return current;
  const target = Math.min(19, current + increment);
  let threads: number[] = [];
  try {
    threads = readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    // Not Linux: the process-wide call below is all there is.
  }
  if (threads.length === 0) setPriority(target);
  for (const tid of threads) {
    try {
      setPriority(tid, target);
    } catch {
      // The thread ended between listing and setting.
    }
  }
  return target;
}
