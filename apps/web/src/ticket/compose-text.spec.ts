import { describe, expect, it } from '@jest/globals';
import { hasFormatting, splitAddresses, textToHtml } from './compose-text';

describe('composer text helpers', () => {
  it('reads addresses separated by commas, semicolons or spaces, once each, lower-cased', () => {
    expect(splitAddresses(' A@x.test, b@y.test;a@x.test  c@z.test ')).toEqual(['a@x.test', 'b@y.test', 'c@z.test']);
    expect(splitAddresses('')).toEqual([]);
  });

  it('sends unformatted editor text as plain text, anything else as HTML', () => {
    expect(hasFormatting('<p>Hello</p><p>line<br>two</p>')).toBe(false);
    expect(hasFormatting('<p>Hello <strong>you</strong></p>')).toBe(true);
    expect(hasFormatting('<ul><li><p>x</p></li></ul>')).toBe(true);
    expect(hasFormatting('<pre>x</pre>')).toBe(true);
    expect(hasFormatting('<p><img src="/api/uploads/1/content"></p>')).toBe(true);
  });

  it('turns plain text into escaped paragraphs', () => {
    expect(textToHtml('Hi <b>\n\nline one\nline two')).toBe('<p>Hi &lt;b&gt;</p><p>line one<br>line two</p>');
  });
});
