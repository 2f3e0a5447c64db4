import { jest } from '@jest/globals';
import { StagedBytesHandoff } from './staged-bytes';

const bytes = (n: number, fill = 0x61): Buffer => Buffer.alloc(n, fill);

describe('StagedBytesHandoff', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('keeps nothing while no intake worker runs in the process', () => {
    const handoff = new StagedBytesHandoff(1000, 60_000, 500);
    expect(handoff.offer('a', bytes(10))).toBe(false);
    expect(handoff.take('a')).toBeUndefined();
    expect(handoff.stats).toEqual({ entries: 0, bytes: 0 });
  });

  it('hands each row its own bytes once', () => {
    const handoff = new StagedBytesHandoff(1000, 60_000, 500);
    handoff.enableConsumer();
    const a = bytes(10, 0x61);
    const b = bytes(20, 0x62);
    expect(handoff.offer('a', a)).toBe(true);
    expect(handoff.offer('b', b)).toBe(true);
    expect(handoff.stats).toEqual({ entries: 2, bytes: 30 });
    expect(handoff.take('b')).toBe(b);
    expect(handoff.take('b')).toBeUndefined();
    expect(handoff.take('a')).toBe(a);
    expect(handoff.stats).toEqual({ entries: 0, bytes: 0 });
  });

  it('declines what would pass its budget or its largest entry, and keeps what it holds', () => {
    const handoff = new StagedBytesHandoff(100, 60_000, 50);
    handoff.enableConsumer();
    expect(handoff.offer('big', bytes(50))).toBe(false); // from the largest size on: read in slices
    expect(handoff.offer('a', bytes(40))).toBe(true);
    expect(handoff.offer('b', bytes(40))).toBe(true);
    expect(handoff.offer('c', bytes(40))).toBe(false); // 120 > 100: declined, not evicting a or b
    expect(handoff.take('a')?.length).toBe(40);
    expect(handoff.offer('c', bytes(40))).toBe(true); // room again once a was taken
    expect(handoff.stats).toEqual({ entries: 2, bytes: 80 });
  });

  it('does not replace the bytes it holds for a row', () => {
    const handoff = new StagedBytesHandoff(1000, 60_000, 500);
    handoff.enableConsumer();
    const first = bytes(10, 0x31);
    expect(handoff.offer('a', first)).toBe(true);
    expect(handoff.offer('a', bytes(10, 0x32))).toBe(false);
    expect(handoff.take('a')).toBe(first);
  });

  it('lets bytes nobody took go after its time, without another offer', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const handoff = new StagedBytesHandoff(1000, 10_000, 500);
    handoff.enableConsumer();
    expect(handoff.offer('old', bytes(10))).toBe(true);
    jest.advanceTimersByTime(6_000);
    expect(handoff.offer('young', bytes(10))).toBe(true);
    jest.advanceTimersByTime(5_000); // old is 11 s old, young 5 s: the sweeper lets old go
    expect(handoff.stats).toEqual({ entries: 1, bytes: 10 });
    expect(handoff.take('old')).toBeUndefined();
    jest.advanceTimersByTime(10_000);
    expect(handoff.stats).toEqual({ entries: 0, bytes: 0 });
    expect(handoff.take('young')).toBeUndefined();
  });

  it('drop and clear let bytes go unused', () => {
    const handoff = new StagedBytesHandoff(1000, 60_000, 500);
    handoff.enableConsumer();
    handoff.offer('a', bytes(10));
    handoff.offer('b', bytes(10));
    handoff.drop('a');
    expect(handoff.stats).toEqual({ entries: 1, bytes: 10 });
    handoff.clear();
    expect(handoff.stats).toEqual({ entries: 0, bytes: 0 });
  });
});
