import { decodeCursor, encodeCursor } from './cursor';

describe('ticket list cursor', () => {
  it('round-trips a position', () => {
    const cursor = { at: new Date('2026-11-27T10:00:00.123Z'), id: '0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it('rejects tampered or foreign values with a typed error', () => {
    const codeOf = (value: string) => {
      try {
        decodeCursor(value);
        return 'accepted';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };
    expect(codeOf('bm90LWEtY3Vyc29y')).toBe('invalid_cursor');
    expect(codeOf(Buffer.from('2026-11-27T10:00:00Z|1; drop table').toString('base64url'))).toBe('invalid_cursor');
  });
});
