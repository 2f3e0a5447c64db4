import { browserFamily, preferredLanguage } from './client-info';

describe('login client info', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      'Chrome 156',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', 'Firefox 140'],
    [
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36 Edg/150.0',
      'Edge 150',
    ],
    ['Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15', 'Safari 18'],
    ['something else', 'Other'],
  ])('reduces %s to its family', (ua, expected) => {
    expect(browserFamily(ua)).toBe(expected);
  });

  it('keeps no browser when none was sent', () => {
    expect(browserFamily(undefined)).toBeNull();
  });

  it('picks the highest-ranked language', () => {
    expect(preferredLanguage('fr;q=0.5, de-CH, en;q=0.8')).toBe('de-CH');
    expect(preferredLanguage('*;q=0.1, <script>')).toBeNull();
    expect(preferredLanguage(undefined)).toBeNull();
  });
});
