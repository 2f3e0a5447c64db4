import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from './test-database';

export interface TestRedis {
  url: string;
  prefix: string;
  /** Every key under the prefix (for leak scans). */
  keys(): Promise<string[]>;
  /** Every key under the prefix with its whole value rendered as text, whatever the Redis type. */
  dump(): Promise<Array<{ key: string; value: string }>>;
  client(): Redis;
  drop(): Promise<void>;
}

/** A key prefix of its own per test file; all its keys are deleted afterwards. */
export function createTestRedis(label = 't'): TestRedis {
  const prefix = `intake-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let redis: Redis | undefined;
  const client = (): Redis => (redis ??= new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: false }));
  const keys = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client().scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };
  const render = async (key: string): Promise<string> => {
    const redis = client();
    switch (await redis.type(key)) {
      case 'string':
        return (await redis.get(key)) ?? '';
      case 'hash':
        return JSON.stringify(await redis.hgetall(key));
      case 'list':
        return JSON.stringify(await redis.lrange(key, 0, -1));
      case 'set':
        return JSON.stringify(await redis.smembers(key));
      case 'zset':
        return JSON.stringify(await redis.zrange(key, 0, -1));
      case 'stream':
        return JSON.stringify(await redis.xrange(key, '-', '+'));
      default:
        return '';
    }
  };
  return {
    url: TEST_REDIS_URL,
    prefix,
    keys,
    dump: async () => Promise.all((await keys()).map(async (key) => ({ key, value: await render(key) }))),
    client,
    drop: async () => {
      const all = await keys();
      for (let i = 0; i < all.length; i += 500) await client().del(...all.slice(i, i + 500));
      await client().quit();
    },
  };
}
