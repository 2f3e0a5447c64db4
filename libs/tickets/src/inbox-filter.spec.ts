import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';
import { parseInboxFilter, searchQuery } from './inbox-filter';

describe('inbox filter', () => {
  it('parses comma lists and defaults', () => {
    const f = parseInboxFilter({ status: 'new,open', priority: ['high'], assignee: 'me', limit: '10' });
    expect(f).toMatchObject({ view: 'all', status: ['new', 'open'], priority: ['high'], assignee: 'me', limit: 10 });
    expect(f.sort).toBe('updated');
  });

  it('rejects unknown values with invalid_filter instead of ignoring them', () => {
    const codeOf = (input: unknown) => {
      try {
        parseInboxFilter(input);
        return 'accepted';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };
    expect(codeOf({ status: 'open,bogus' })).toBe('invalid_filter');
    expect(codeOf({ assignee: "x' or 1=1" })).toBe('invalid_filter');
    expect(codeOf({ limit: '1000' })).toBe('invalid_filter');
    expect(codeOf({ view: 'everything' })).toBe('invalid_filter');
  });

  it('turns typed text into a safe prefix tsquery', () => {
    expect(searchQuery('Printer  jam!')).toBe('printer & jam:*');
    expect(searchQuery("'; drop table tickets; --")).toBe('drop & table & tickets:*');
    expect(searchQuery('  !! ')).toBeNull();
    // A number is matched whole, not as a prefix.
    expect(searchQuery('order 10042')).toBe('order & 10042');
    expect(searchQuery('10042')).toBe('10042');
  });

  it('round-trips a cursor and refuses one made for another sort order', () => {
    const c = { sort: 'updated', key: '2026-11-27 10:00:00.123456+00', id: '0b7e6c55-2d8e-4d5f-9b1a-3c2d1e0f9a8b' };
    expect(decodeInboxCursor(encodeInboxCursor(c), 'updated')).toEqual(c);
    expect(() => decodeInboxCursor(encodeInboxCursor(c), 'due')).toThrow('cursor');
    expect(() => decodeInboxCursor(Buffer.from('updated|1; select|x').toString('base64url'), 'updated')).toThrow();
  });
});
