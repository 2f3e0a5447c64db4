import iconv from 'iconv-lite';
import { decodeBytes, decodeEncodedWords, decodeHeaderValue } from './charset';

describe('charset decoding', () => {
  it('decodes UTF-7, which mailparser leaves as +APY-', () => {
    expect(decodeBytes(Buffer.from('Fr+APY-sche'), 'utf-7')).toBe('Frösche');
    expect(decodeEncodedWords('=?UTF-7?Q?Fr+APY-sche?=')).toBe('Frösche');
  });

  it('decodes legacy CJK charsets, including ISO-2022-JP that iconv-lite lacks', () => {
    expect(decodeBytes(iconv.encode('日本語のテスト', 'shift_jis'), 'Shift_JIS')).toBe('日本語のテスト');
    expect(decodeBytes(Buffer.from('\x1b$BF|K\\8l\x1b(B', 'latin1'), 'iso-2022-jp')).toBe('日本語');
    expect(decodeBytes(iconv.encode('中文邮件', 'gb18030'), 'gb2312')).toBe('中文邮件');
  });

  it('falls back to UTF-8 for unknown or broken names instead of throwing', () => {
    expect(decodeBytes(Buffer.from('héllo'), 'x-no-such-charset')).toBe('héllo');
    expect(decodeBytes(Buffer.from('héllo'), '"utf-8\'')).toBe('héllo');
  });

  it('sniffs raw 8-bit header bytes as UTF-8 first, then the declared charset', () => {
    const utf8 = Buffer.from('Grüße aus Köln').toString('latin1');
    expect(decodeHeaderValue(utf8, 'iso-8859-1')).toBe('Grüße aus Köln');
    const gb = iconv.encode('你好，世界', 'gb18030').toString('latin1');
    expect(decodeHeaderValue(gb, 'gb2312')).toBe('你好，世界');
    const sjis = iconv.encode('お問い合わせ', 'shift_jis').toString('latin1');
    expect(decodeHeaderValue(sjis, undefined)).toBe('お問い合わせ');
  });

  it('joins adjacent encoded words without the whitespace between them', () => {
    expect(decodeEncodedWords('=?utf-8?q?Hello_?= =?utf-8?b?V29ybGQ=?=')).toBe('Hello World');
  });
});
