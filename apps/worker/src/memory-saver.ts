import { setFlagsFromString } from 'node:v8';

/**
 * WORKER_MEMORY_SAVER (default on): V8's memory-saver mode for this whole process, parser threads
 * included (V8 flags are process-wide). The garbage collector then runs sooner and keeps the heaps
 * near their live size, for more CPU per message (BENCHMARKS.md M4). Imported by main.ts before
 * anything else: loading and starting the application is this process's highest memory mark when
 * the mode is set only afterwards (298 MB against 263 MB during a backlog). The value is read here
 * before the configuration is validated, which still rejects a malformed one at start.
 */
const value = (process.env.WORKER_MEMORY_SAVER ?? 'true').trim().toLowerCase();
if (!['false', '0', 'no'].includes(value)) setFlagsFromString('--memory-saver-mode');
