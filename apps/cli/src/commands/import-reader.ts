import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type ImportKind = 'mbox' | 'maildir' | 'eml-folder' | 'eml';

/** What PATH is: an mbox file, a Maildir (cur/ and new/), a folder of .eml files, or one .eml. */
export async function detectImport(path: string): Promise<ImportKind> {
  const info = await stat(path);
  if (info.isDirectory()) {
    const entries = await readdir(path);
    return entries.includes('cur') || entries.includes('new') ? 'maildir' : 'eml-folder';
  }
  const head = Buffer.alloc(5);
  const fd = await import('node:fs/promises').then((fs) => fs.open(path, 'r'));
  try {
    await fd.read(head, 0, 5, 0);
  } finally {
    await fd.close();
  }
  return head.toString('latin1') === 'From ' ? 'mbox' : 'eml';
}

/** Counts messages without keeping them (for the progress bar). */
export async function countMessages(path: string, kind: ImportKind): Promise<number> {
  let n = 0;
  for await (const message of readMessages(path, kind)) if (message) n++;
  return n;
}

/**
 * Yields one raw message at a time; an mbox is streamed line by line, so memory holds one
 * message, never the whole file. mboxrd quoting (">From ") is undone.
 */
export async function* readMessages(path: string, kind: ImportKind): AsyncGenerator<Buffer> {
  if (kind === 'eml') {
    yield await readFile(path);
    return;
  }
  if (kind === 'eml-folder' || kind === 'maildir') {
    const dirs = kind === 'maildir' ? ['cur', 'new'].map((d) => join(path, d)) : [path];
    for (const dir of dirs) {
      let files: string[];
      try {
        files = (await readdir(dir)).sort();
      } catch {
        continue;
      }
      for (const file of files) {
        if (kind === 'eml-folder' && !file.toLowerCase().endsWith('.eml')) continue;
        const full = join(dir, file);
        if ((await stat(full)).isFile()) yield await readFile(full);
      }
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(path, { encoding: 'latin1' }), crlfDelay: Infinity });
  let current: string[] | null = null;
  for await (const line of lines) {
    if (line.startsWith('From ')) {
      if (current) yield toBuffer(current);
      current = [];
      continue;
    }
    if (current) current.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  if (current) yield toBuffer(current);
}

function toBuffer(lines: string[]): Buffer {
  // The separator's preceding blank line belongs to the mbox, not to the message.
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}
