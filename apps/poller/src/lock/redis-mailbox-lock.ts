import type Redis from 'ioredis';
import { MailboxLock } from './mailbox-lock';

// Compare-and-act scripts: only the owner may extend or delete its lock.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Redis mode (REDIS_URL set): SET key owner NX PX ttl. */
export class RedisMailboxLock extends MailboxLock {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  private key(mailboxId: string): string {
    return `${this.prefix}:poller-lock:${mailboxId}`;
  }

  async acquire(mailboxId: string, owner: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis.set(this.key(mailboxId), owner, 'PX', ttlMs, 'NX');
    if (set === 'OK') return true;
    return this.renew(mailboxId, owner, ttlMs);
  }

  async renew(mailboxId: string, owner: string, ttlMs: number): Promise<boolean> {
    const result = await this.redis.eval(RENEW, 1, this.key(mailboxId), owner, String(ttlMs));
    return Number(result) === 1;
  }

  async release(mailboxId: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(mailboxId), owner);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
