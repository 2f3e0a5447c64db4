import { parseCorrections } from './dsr-correction';

describe('parseCorrections', () => {
  it('lower-cases the address and turns empty text into a cleared field', () => {
    expect(parseCorrections({ email: ' New@Example.ORG ', company: '' })).toEqual({
      email: 'new@example.org',
      company: null,
    });
  });

  it('rejects unknown fields, bad addresses and line breaks without echoing values', () => {
    for (const input of [{ role: 'admin' }, { email: 'nope' }, { name: 'A\nB' }, {}]) {
      let message = '';
      try {
        parseCorrections(input);
      } catch (error) {
        message = JSON.stringify({ m: (error as Error).message, d: (error as { details?: unknown }).details });
      }
      expect(message).toMatch(/invalid|at least one/i);
      expect(message).not.toMatch(/nope|A\\nB|admin"/);
    }
  });
});
