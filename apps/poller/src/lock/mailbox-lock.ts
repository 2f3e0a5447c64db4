/**
 * A lock with expiry per mailbox, so exactly one poller replica reads a mailbox at a time. The
 * holder renews it well before it expires; a crashed holder's lock simply runs out.
 */
export abstract class MailboxLock {
  /** Takes the lock if free or expired (or already ours). */
  abstract acquire(mailboxId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends our lock; false when it was lost (expired and taken by another replica). */
  abstract renew(mailboxId: string, owner: string, ttlMs: number): Promise<boolean>;
  abstract release(mailboxId: string, owner: string): Promise<void>;
  abstract close(): Promise<void>;
}
