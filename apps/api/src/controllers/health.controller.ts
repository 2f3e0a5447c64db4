import { MailboxService, type MailboxStatusView } from '@app/intake';
import { QueueService } from '@app/queue';
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import { Public } from '../guards/auth.decorators';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    private readonly mailboxes: MailboxService,
  ) {}

  /**
   * 200 when the database and the queue answer, 503 otherwise. Also reports each mailbox as the
   * poller last wrote it (connected, last successful fetch, backlog, quarantined count); a
   * mailbox problem is reported, not turned into a 503 of the API.
   */
  @Public()
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const database = await this.dataSource
      .query('SELECT 1')
      .then(() => 'up' as const)
      .catch(() => 'down' as const);
    const queue = (await this.queue.ping()) ? ('up' as const) : ('down' as const);
    const ok = database === 'up' && queue === 'up';
    const mailboxes: Array<Omit<MailboxStatusView, 'name'>> =
      database === 'up'
        ? (await this.mailboxes.statuses().catch(() => [])).map(({ name: _name, ...status }) => status)
        : [];
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      status: ok ? 'ok' : 'degraded',
      database,
      queue,
      mailboxes,
    });
  }
}
