import iconv from 'iconv-lite';
import { canonicalCharset, CharsetJudge, strictDecode } from './charset-judge';

const judge = (declaredInMessage: string[] = [], sample = '', sampleCharset = 'utf-8') =>
  new CharsetJudge(declaredInMessage, () => iconv.encode(sample, sampleCharset));

describe('CharsetJudge', () => {
  it('names charsets by family', () => {
    expect(canonicalCharset('GB2312')).toBe('gb18030');
    expect(canonicalCharset('iso-8859-1')).toBe('windows-1252');
    expect(canonicalCharset('"Shift_JIS"')).toBe('shift_jis');
    expect(canonicalCharset('unicode-1-1-utf-7')).toBe('utf-7');
    expect(canonicalCharset('x-no-such')).toBeNull();
  });

  it('refuses readings that cannot be right', () => {
    expect(strictDecode(iconv.encode('日本', 'shift_jis'), 'iso-2022-jp')).toBeNull();
    expect(strictDecode(Buffer.from([0xc3, 0x28]), 'utf-8')).toBeNull();
    // A GBK lead byte in 0x81–0x9F read as ISO-8859-2 is a C1 control.
    expect(strictDecode(iconv.encode('丂', 'gbk'), 'iso-8859-2')).toBeNull();
    expect(strictDecode(Buffer.from('Grüße', 'latin1'), 'windows-1252')).toBe('Grüße');
  });

  it('trusts a possible, plausible label without asking the detector', () => {
    const v = judge().decode(Buffer.from('Café crème', 'latin1'), 'iso-8859-1');
    expect(v).toEqual({ text: 'Café crème', charset: 'windows-1252', sniffed: false });
  });

  it('uses the rest of the message for a short name it cannot read alone', () => {
    const name = iconv.encode('发票', 'gbk');
    const chinese = judge(['gb2312'], '请查收附件中的发票，谢谢。我的订单号是一二三。', 'gbk');
    expect(chinese.decode(name, undefined)).toMatchObject({ text: '发票', charset: 'gb18030', sniffed: true });
  });

  it('reads unlabelled valid UTF-8 as UTF-8 and unlabelled Turkish as Turkish', () => {
    expect(judge().decode(Buffer.from('Grüße'), undefined).text).toBe('Grüße');
    expect(judge().decode(iconv.encode('Sayın müşterimiz, özür dileriz', 'windows-1254'), undefined).text).toBe(
      'Sayın müşterimiz, özür dileriz',
    );
  });
});
