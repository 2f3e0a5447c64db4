import { writeFileSync } from 'node:fs';

/**
 * A profile of this process's main thread from now until `stop(file)` (BENCH_PROFILE=file in the
 * benches): CPU by default; with BENCH_PROFILE_KIND=heap, a sampling allocation profile (where the
 * garbage comes from; open the .heapprofile in Chrome DevTools).
 */
export async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  if (process.env.BENCH_PROFILE_KIND === 'heap') {
    // Sampling every 64 KB of allocation on average; objects collected since are kept in the profile.
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 64 * 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    return {
      async stop(file: string) {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        writeFileSync(file, JSON.stringify(profile));
        session.disconnect();
      },
    };
  }
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
