import { terminalSafe } from './output';

describe('terminalSafe', () => {
  it('shows terminal controls and bidi overrides as visible escapes', () => {
    const hostile = 'Invoice \u001b[31mred\u001b]0;pwned\u0007 \u009b2J \u202eevil\u202c\r done\u007f';
    expect(terminalSafe(hostile)).toBe(
      'Invoice \\x1b[31mred\\x1b]0;pwned\\x07 \\x9b2J \\u202eevil\\u202c\\x0d done\\x7f',
    );
  });

  it('keeps newlines and tabs in text, and escapes them in one-line values', () => {
    expect(terminalSafe('a\n\tb')).toBe('a\n\tb');
    expect(terminalSafe('a\n\tb', { multiline: false })).toBe('a\\x0a\\x09b');
  });

  it('leaves ordinary text of any script alone', () => {
    const text = 'Grüße — 你好 — שלום — مرحبا — 🎉';
    expect(terminalSafe(text)).toBe(text);
  });
});
