import { RequeueStagedService } from '@app/intake';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

/** On start, re-enqueue staged rows whose job was lost (see RequeueStagedService). */
@Injectable()
export class StartupRequeueService implements OnApplicationBootstrap {
  private readonly logger = new Logger(StartupRequeueService.name);

  constructor(private readonly requeue: RequeueStagedService) {}

  async onApplicationBootstrap(): Promise<void> {
    const count = await this.requeue.requeue();
    if (count > 0) this.logger.log({ count }, 're-enqueued staged inbound messages');
  }
}
