import { byteBatches } from './mailbox-poller';

const MB = 1024 * 1024;

describe('byteBatches', () => {
  it('keeps UID order, with an over-limit message alone between the batches around it', () => {
    const sizes = new Map([
      [1, 5 * MB],
      [2, 5 * MB],
      [3, 60 * MB],
      [4, 1 * MB],
      [5, 1 * MB],
    ]);
    const batches = byteBatches([1, 2, 3, 4, 5], sizes, 50 * MB);
    expect(batches).toEqual([{ uids: [1] }, { uids: [2] }, { uids: [3], tooLarge: 3 }, { uids: [4, 5] }]);
    const order = batches.flatMap((b) => b.uids);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('skips a UID whose size is unknown (expunged meanwhile)', () => {
    expect(byteBatches([7, 8], new Map([[8, 10]]), 100)).toEqual([{ uids: [8] }]);
  });
});
