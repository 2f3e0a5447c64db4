import { decodeCursor, encodeCursor } from './cursor';

describe('ticket list cursor', () => {
  it('round-trips a position', () => {
    const cursor = { at: new Date('2026-11-27T10:00:00.123Z'), id: '0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('rejects tampered or foreign values with a typed error', () => {
    expect(() => decodeCursor('bm90LWEtY3Vyc29y')).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
    expect(() => decodeCursor(Buffer.from('2026-11-27T10:00:00Z|1; drop table').toString('base64url'))).toThrow(
      expect.objectContaining({ code: 'invalid_cursor' }),
    );
  });
});
