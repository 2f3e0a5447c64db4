import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarGz } from './tar-writer';

describe('tarGz', () => {
  it('writes an archive that the system tar lists and extracts byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tar-writer-'));
    try {
      const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256));
      const file = join(dir, 'export.tar.gz');
      writeFileSync(
        file,
        tarGz([
          { name: 'export.json', data: Buffer.from('{"a":1}') },
          { name: 'attachments/1-report.bin', data: binary },
        ]),
      );
      const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n');
      expect(listing).toEqual(['export.json', 'attachments/1-report.bin']);
      execFileSync('tar', ['-xzf', file, '-C', dir]);
      expect(readFileSync(join(dir, 'export.json'), 'utf8')).toBe('{"a":1}');
      expect(readFileSync(join(dir, 'attachments/1-report.bin')).equals(binary)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
