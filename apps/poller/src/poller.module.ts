import { Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';

@Injectable()
class PollerIdleService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Poller');

  onApplicationBootstrap(): void {
    this.logger.log('poller started; no mailbox support yet (IMAP intake is a later issue)');
  }
}

/** IMAP poller. Until IMAP intake lands it starts and idles. */
@Module({ providers: [PollerIdleService] })
export class PollerModule {}
