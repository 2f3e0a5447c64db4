import { MailboxEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { normaliseOwnAddress, type OwnAddresses } from './own-addresses';

/** Mailboxes change rarely; a new one is known to intake within this time. */
const REFRESH_MS = 15_000;

/** OwnAddresses read from the mailboxes table (address and fixed Reply-To), cached briefly. */
@Injectable()
export class MailboxOwnAddresses implements OwnAddresses {
  private cached: { at: number; set: Promise<Set<string>> } | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async isOwn(address: string | null | undefined): Promise<boolean> {
    if (!address?.includes('@')) return false;
    return (await this.addresses()).has(normaliseOwnAddress(address));
  }

  private addresses(): Promise<Set<string>> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > REFRESH_MS) {
      const set = this.dataSource
        .getRepository(MailboxEntity)
        .find({ select: { address: true, replyTo: true } })
        .then(
          (rows) =>
            new Set(
              rows
                .flatMap((r) => [r.address, r.replyTo ?? ''])
                .filter((a) => a.includes('@'))
                .map(normaliseOwnAddress),
            ),
        );
      // A failed read is not cached: the next message asks again.
      set.catch(() => (this.cached = null));
      this.cached = { at: now, set };
    }
    return this.cached.set;
  }
}
