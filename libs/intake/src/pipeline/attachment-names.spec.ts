import { inspectMessage } from './inspect-message';
import { ParserPool } from './mime/parser-pool';

/**
 * Synthetic messages written here, modelled on attachments seen in real mail (issue 15, point 14):
 * parts that come without a name, and a name with runs of spaces.
 */
const pool = new ParserPool(1);
afterAll(() => pool.close());

const crlf = (...lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
const inspect = (raw: Buffer) => inspectMessage(raw, { pool });

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 200 }, (_, i) => i % 256))]);

describe('parts without a name', () => {
  it('names a forwarded message after its subject, a PGP signature signature.asc, and keeps inner spaces', async () => {
    const r = await inspect(
      crlf(
        'From: fwd@example.org',
        'To: support@desk.test',
        'Subject: Fwd: numbers',
        'Message-ID: <unnamed@example.org>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        '--outer',
        'Content-Type: text/plain',
        '',
        'See the forwarded mail.',
        '--outer',
        'Content-Type: message/rfc822',
        '',
        'From: cfo@example.org',
        'Subject: =?utf-8?q?Quartalszahlen_f=C3=BCr_Q3/Q4?=',
        '',
        'The numbers.',
        '--outer',
        'Content-Type: application/pdf',
        'Content-Disposition: attachment; filename="Q3  report   final.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        PDF.toString('base64'),
        '--outer',
        'Content-Type: application/pgp-signature',
        '',
        '-----BEGIN PGP SIGNATURE-----',
        'iQEzBAEBCAAdFiEE',
        '-----END PGP SIGNATURE-----',
        '--outer--',
      ),
    );
    expect(r.attachments.map((a) => a.filename)).toEqual([
      'Quartalszahlen für Q3-Q4.eml',
      'Q3  report   final.pdf',
      'signature.asc',
    ]);
  });
});
