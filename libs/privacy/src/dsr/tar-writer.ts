import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  data: Buffer;
  mtime?: Date;
}

/**
 * A gzip-compressed POSIX ustar archive in memory: enough for an export (a JSON file plus the
 * attachments), readable by tar, 7-Zip, Windows Explorer and macOS Archive Utility. Names are
 * ASCII-folded and limited to 100 bytes; callers pass short generated names.
 */
export function tarGz(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    blocks.push(header(entry), entry.data);
    const pad = (512 - (entry.data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function header(entry: TarEntry): Buffer {
  const h = Buffer.alloc(512);
  const name = entry.name.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
  h.write(name, 0, 100, 'ascii');
  h.write('0000644\0', 100, 8, 'ascii');
  h.write('0000000\0', 108, 8, 'ascii');
  h.write('0000000\0', 116, 8, 'ascii');
  h.write(`${entry.data.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  const mtime = Math.floor((entry.mtime ?? new Date()).getTime() / 1000);
  h.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}
