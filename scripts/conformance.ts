import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inspectMessage, type InspectionResult } from '../libs/intake/src/pipeline/inspect-message';
import { normalizeFilename } from '../libs/intake/src/pipeline/filters/normalize-attachments.filter';
import { ParserPool } from '../libs/intake/src/pipeline/mime/parser-pool';
import { DEFAULT_MAIL_LIMITS } from '../libs/intake/src/pipeline/mime/mime-skeleton';

/**
 * `npm run conformance`: runs the `mail inspect` logic (no database) over every message of the
 * public corpora in ../shared/corpus and prints one score table per corpus. The corpora are read
 * in place and never copied into the project. Exit code 1 when a hard requirement fails
 * (a crash or hang, or a false bounce on Sisimai's `not/`).
 */
const ROOT = resolve(__dirname, '..', '..', 'shared', 'corpus');
const pool = new ParserPool(2);
const limits = { ...DEFAULT_MAIL_LIMITS, parseTimeoutMs: 10_000 };

interface Row {
  corpus: string;
  metric: string;
  value: string;
}
const rows: Row[] = [];
const misses: string[] = [];
let hardFailure = false;

function files(dir: string, match: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, match));
    else if (match.test(name)) out.push(p);
  }
  return out;
}

async function inspect(path: string): Promise<{ result: InspectionResult | null; error: string | null; ms: number }> {
  const started = Date.now();
  try {
    const result = await inspectMessage(readFileSync(path), { pool, limits });
    return { result, error: null, ms: Date.now() - started };
  } catch (error) {
    return { result: null, error: error instanceof Error ? error.name : 'error', ms: Date.now() - started };
  }
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}% (${n}/${d})`;
}

async function parsedRow(corpus: string, paths: string[]): Promise<Map<string, InspectionResult | null>> {
  const results = new Map<string, InspectionResult | null>();
  let ok = 0;
  let slowest = 0;
  let quarantined = 0;
  for (const p of paths) {
    const r = await inspect(p);
    slowest = Math.max(slowest, r.ms);
    if (r.result) ok++;
    else misses.push(`${corpus}: ${p.slice(ROOT.length + 1)} crashed (${r.error})`);
    if (r.result?.quarantineReason) quarantined++;
    results.set(p, r.result);
  }
  if (ok !== paths.length) hardFailure = true;
  rows.push({
    corpus,
    metric: 'parsed without crash or hang',
    value: `${pct(ok, paths.length)}, slowest ${slowest} ms`,
  });
  if (quarantined) rows.push({ corpus, metric: 'quarantined by limits/no sender', value: String(quarantined) });
  return results;
}

type StalwartValue = {
  Text?: string;
  Address?: { List?: Array<{ address?: string }>; Group?: Array<{ addresses?: Array<{ address?: string }> }> };
  ContentType?: { attributes?: Array<{ name: string; value: string }> };
};
type StalwartPart = { headers: Array<{ name: string; value: StalwartValue }> };

async function stalwart(): Promise<void> {
  const dir = join(ROOT, 'stalwart-mail-parser', 'resources', 'eml');
  const paths = files(dir, /\.eml$/);
  if (!paths.length) return;
  const results = await parsedRow('stalwart', paths);
  const score = { from: [0, 0], subject: [0, 0], names: [0, 0] };
  for (const p of paths) {
    const jsonPath = p.replace(/\.eml$/, '.json');
    const r = results.get(p);
    if (!existsSync(jsonPath) || !r) continue;
    const exp = JSON.parse(readFileSync(jsonPath, 'utf8')) as { parts: StalwartPart[]; attachments?: number[] };
    const top = exp.parts[0]?.headers ?? [];
    const header = (n: string) => top.find((h) => h.name === n)?.value;
    const from = header('from')?.Address;
    const expFrom = (from?.List?.[0]?.address ?? from?.Group?.[0]?.addresses?.[0]?.address)?.toLowerCase();
    if (expFrom) {
      score.from[1]++;
      if (r.from?.address === expFrom) score.from[0]++;
      else misses.push(`stalwart from: ${p.slice(dir.length + 1)} expected ${expFrom} got ${r.from?.address ?? '-'}`);
    }
    const expSubject = header('subject')?.Text;
    if (expSubject !== undefined) {
      score.subject[1]++;
      const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
      if (norm(r.subject ?? '') === norm(expSubject)) score.subject[0]++;
      else
        misses.push(
          `stalwart subject: ${p.slice(dir.length + 1)} expected ${JSON.stringify(expSubject).slice(0, 80)} got ${JSON.stringify(r.subject).slice(0, 80)}`,
        );
    }
    const names = (exp.attachments ?? []).flatMap((i) => {
      const hs = exp.parts[i]?.headers ?? [];
      const attr = (h: string, a: string) =>
        hs.find((x) => x.name === h)?.value.ContentType?.attributes?.find((x) => x.name === a)?.value;
      const n = attr('content_disposition', 'filename') ?? attr('content_type', 'name');
      return n ? [normalizeFilename(n)] : [];
    });
    if (names.length) {
      score.names[1]++;
      const ours = new Set(r.attachments.map((a) => a.filename));
      if (names.every((n) => ours.has(n))) score.names[0]++;
      else
        misses.push(
          `stalwart attachments: ${p.slice(dir.length + 1)} expected ${JSON.stringify(names)} got ${JSON.stringify([...ours])}`,
        );
    }
  }
  rows.push({ corpus: 'stalwart', metric: 'from address agrees', value: pct(score.from[0], score.from[1]) });
  rows.push({ corpus: 'stalwart', metric: 'subject agrees', value: pct(score.subject[0], score.subject[1]) });
  rows.push({ corpus: 'stalwart', metric: 'attachment names agree', value: pct(score.names[0], score.names[1]) });
}

async function sisimai(): Promise<void> {
  const dir = join(ROOT, 'sisimai', 'maildir', 'bsd');
  const paths = files(dir, /\.eml$/);
  if (!paths.length) return;
  const expected = JSON.parse(readFileSync(join(ROOT, 'sisimai', 'expected-sisimai-union.json'), 'utf8')) as Record<
    string,
    Array<{ reason: string; hardbounce: number }>
  >;
  const results = await parsedRow('sisimai bsd', paths);
  let bounces = 0,
    recalled = 0,
    reasonOk = 0,
    feedback = 0,
    feedbackOk = 0,
    vacation = 0,
    vacationOk = 0;
  for (const p of paths) {
    const name = p.slice(dir.length + 1);
    const exp = expected[name];
    const r = results.get(p);
    if (!exp || !r) continue;
    const reasons = new Set(exp.map((e) => e.reason));
    if (reasons.has('feedback')) {
      feedback++;
      if (r.classification === 'feedback') feedbackOk++;
      else misses.push(`sisimai feedback missed: ${name} (${r.classification})`);
      continue;
    }
    if (reasons.has('vacation')) {
      vacation++;
      if (r.classification === 'auto_reply' || r.classification === 'bounce') vacationOk++;
      else misses.push(`sisimai vacation missed: ${name}`);
      continue;
    }
    bounces++;
    if (r.classification === 'bounce') {
      recalled++;
      const ours = r.classificationDetail.bounce?.recipients.map((x) => x.reason) ?? [];
      if (ours.some((x) => reasons.has(x))) reasonOk++;
      else misses.push(`sisimai reason: ${name} expected ${[...reasons].join('|')} got ${ours.join('|') || '-'}`);
    } else {
      misses.push(`sisimai bounce missed: ${name} (${r.classification})`);
    }
  }
  rows.push({ corpus: 'sisimai bsd', metric: 'bounce recall', value: pct(recalled, bounces) });
  rows.push({ corpus: 'sisimai bsd', metric: 'reason accuracy (of recalled)', value: pct(reasonOk, recalled) });
  rows.push({ corpus: 'sisimai bsd', metric: 'ARF feedback recognised', value: pct(feedbackOk, feedback) });
  rows.push({
    corpus: 'sisimai bsd',
    metric: 'vacation replies not treated as customers',
    value: pct(vacationOk, vacation),
  });

  const notPaths = files(join(ROOT, 'sisimai', 'maildir', 'not'), /\.eml$/);
  const notResults = await parsedRow('sisimai not', notPaths);
  const falseBounces = [...notResults.entries()].filter(([, r]) => r?.classification === 'bounce');
  for (const [p] of falseBounces) misses.push(`sisimai not/: false bounce ${p.slice(ROOT.length + 1)}`);
  if (falseBounces.length) hardFailure = true;
  rows.push({ corpus: 'sisimai not', metric: 'false bounces (must be 0)', value: String(falseBounces.length) });
}

async function flufl(): Promise<void> {
  const dir = join(ROOT, 'flufl-bounce', 'data');
  const expPath = join(ROOT, 'flufl-bounce', 'expected.json');
  if (!existsSync(dir) || !existsSync(expPath)) return;
  const expected = JSON.parse(readFileSync(expPath, 'utf8')) as Array<{
    file: string;
    expected_addresses: string[];
    temporary: boolean;
  }>;
  const paths = files(dir, /\.txt$/);
  const results = await parsedRow('flufl', paths);
  let n = 0,
    detected = 0,
    addressesOk = 0,
    permanenceOk = 0;
  for (const e of expected) {
    const r = results.get(join(dir, e.file));
    if (!r || e.expected_addresses.length === 0) continue;
    n++;
    if (r.classification !== 'bounce') {
      misses.push(`flufl missed: ${e.file} (${r.classification})`);
      continue;
    }
    detected++;
    const ours = new Set(r.classificationDetail.bounce?.recipients.map((x) => x.address.toLowerCase()));
    if (e.expected_addresses.every((a) => ours.has(a.toLowerCase()))) addressesOk++;
    else
      misses.push(
        `flufl addresses: ${e.file} expected ${e.expected_addresses.join(',')} got ${[...ours].join(',') || '-'}`,
      );
    if ((r.classificationDetail.bounce?.permanent ?? true) === !e.temporary) permanenceOk++;
    else misses.push(`flufl permanence: ${e.file} expected ${e.temporary ? 'temporary' : 'permanent'}`);
  }
  rows.push({ corpus: 'flufl', metric: 'bounce recall', value: pct(detected, n) });
  rows.push({ corpus: 'flufl', metric: 'failed addresses all found', value: pct(addressesOk, n) });
  rows.push({ corpus: 'flufl', metric: 'permanent/temporary agrees', value: pct(permanenceOk, detected) });
}

async function talon(): Promise<void> {
  const dir = join(ROOT, 'talon', 'fixtures', 'standard_replies');
  const paths = files(dir, /\.eml$/);
  if (!paths.length) return;
  const results = await parsedRow('talon', paths);
  let n = 0,
    ok = 0;
  for (const p of paths) {
    const expPath = p.replace(/\.eml$/, '_reply_text');
    const r = results.get(p);
    if (!existsSync(expPath) || !r) continue;
    n++;
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    const ours = [r.visibleText ?? '', r.signature ? `-- \n${r.signature}` : ''].join('\n');
    if (
      norm(ours) === norm(readFileSync(expPath, 'utf8')) ||
      norm(r.visibleText ?? '') === norm(readFileSync(expPath, 'utf8'))
    )
      ok++;
    else misses.push(`talon: ${p.slice(dir.length + 1)} got ${JSON.stringify(r.visibleText).slice(0, 100)}`);
  }
  rows.push({ corpus: 'talon', metric: 'reply text agrees', value: pct(ok, n) });
}

async function parseOnly(corpus: string, dir: string, match: RegExp): Promise<void> {
  const paths = files(join(ROOT, dir), match);
  if (paths.length) await parsedRow(corpus, paths);
}

async function main(): Promise<void> {
  if (!existsSync(ROOT)) {
    console.log(`conformance: ${ROOT} not found — skipped (the corpora live beside the checkout, never inside it)`);
    return;
  }
  const started = Date.now();
  await stalwart();
  await parseOnly('cpython', 'cpython-test_email', /^msg_.*\.txt$/);
  await sisimai();
  await flufl();
  await talon();
  await parseOnly('notmuch', 'notmuch', /^(?!\.).+/);
  await parseOnly('rt', 'rt', /^(?!\.).+/);
  await pool.close();
  const w = [Math.max(...rows.map((r) => r.corpus.length)), Math.max(...rows.map((r) => r.metric.length))];
  console.log(`| ${'corpus'.padEnd(w[0])} | ${'metric'.padEnd(w[1])} | value |`);
  console.log(`|${'-'.repeat(w[0] + 2)}|${'-'.repeat(w[1] + 2)}|-------|`);
  for (const r of rows) console.log(`| ${r.corpus.padEnd(w[0])} | ${r.metric.padEnd(w[1])} | ${r.value} |`);
  console.log(`\n${misses.length} miss(es); total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (process.argv.includes('--misses')) for (const m of misses) console.log(`  - ${m}`);
  if (hardFailure) process.exitCode = 1;
}

void main();
