import { QuarantineError } from '../../intake.error';
import { composeMail } from '../testing-fixtures';
import { ParserPool } from './parser-pool';

const mail = (subject: string, text = 'body'): Promise<Buffer> =>
  composeMail({ from: 'customer@example.com', to: 'support@desk.test', subject, text });

describe('ParserPool', () => {
  const pools: ParserPool[] = [];
  const pool = (size: number): ParserPool => {
    const p = new ParserPool(size);
    pools.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('gives every caller its own message back when many are handed to the threads at once', async () => {
    const p = pool(2);
    const subjects = Array.from({ length: 40 }, (_, i) => `message ${i}`);
    const raws = await Promise.all(subjects.map((s, i) => mail(s, i % 7 === 0 ? 'x'.repeat(300_000) : `text ${i}`)));
    const parsed = await Promise.all(raws.map((raw) => p.parse(raw, 10_000)));
    expect(parsed.map((r) => r.subject)).toEqual(subjects);
    expect(parsed[1]?.text?.trim()).toBe('text 1');
  });

  it('times only the message being parsed: those queued behind a stalled one in its thread still parse', async () => {
    const p = pool(1);
    const slow = await mail('slow', 'x'.repeat(2_000_000));
    const quick = await Promise.all(['after 1', 'after 2', 'after 3', 'after 4'].map((s) => mail(s)));
    // One thread: the slow message is parsed first and the next ones wait in the same thread.
    const outcomes = await Promise.allSettled([p.parse(slow, 1), ...quick.map((raw) => p.parse(raw, 10_000))]);
    expect(outcomes[0]).toEqual({ status: 'rejected', reason: new QuarantineError('parse_timeout') });
    expect(outcomes.slice(1).map((o) => (o.status === 'fulfilled' ? o.value.subject : String(o.reason)))).toEqual([
      'after 1',
      'after 2',
      'after 3',
      'after 4',
    ]);
  });
});
