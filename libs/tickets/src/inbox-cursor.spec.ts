import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';

const ID = '0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b';
const codeOf = (key: string) => {
  try {
    decodeInboxCursor(encodeInboxCursor({ sort: 'updated', key, id: ID }), 'updated');
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('inbox cursor', () => {
  it('round-trips PostgreSQL timestamps and infinity', () => {
    for (const key of ['2026-11-27 10:00:00.123456+00', '2026-02-28 23:59:59-05:30', 'infinity'])
      expect(codeOf(key)).toBe('accepted');
  });

  it('refuses timestamps PostgreSQL would refuse (which would have been a 500)', () => {
    for (const key of [
      '2026-13-01 00:00:00+00',
      '2026-02-30 00:00:00+00',
      '2026-01-01 25:00:00+00',
      '2026-01-01 00:61:00+00',
      '0000-01-01 00:00:00+00',
      '2026-01-01 00:00:00+99',
    ])
      expect([key, codeOf(key)]).toEqual([key, 'invalid_cursor']);
  });
});
