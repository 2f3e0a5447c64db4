import { AppConfig } from '@app/config';
import { MailboxesModule } from '@app/intake';
import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { MailboxLock } from './lock/mailbox-lock';
import { PgMailboxLock } from './lock/pg-mailbox-lock';
import { RedisMailboxLock } from './lock/redis-mailbox-lock';
import { MailboxStateStore } from './mailbox-state.store';
import { PollerService } from './poller.service';

/**
 * IMAP poller: one connection per enabled mailbox held by this replica. Needs PlatformModule
 * beside it. The all-in-one process imports it too; POLLER_ENABLED=false keeps it idle.
 */
@Module({
  imports: [MailboxesModule],
  providers: [
    MailboxStateStore,
    PollerService,
    {
      provide: MailboxLock,
      inject: [AppConfig, getDataSourceToken()],
      useFactory: (config: AppConfig, dataSource: DataSource): MailboxLock =>
        config.values.REDIS_URL
          ? new RedisMailboxLock(
              new Redis(config.values.REDIS_URL, { maxRetriesPerRequest: 3, lazyConnect: true }),
              config.values.QUEUE_PREFIX,
            )
          : new PgMailboxLock(dataSource),
    },
  ],
  exports: [PollerService],
})
export class PollerModule {}
