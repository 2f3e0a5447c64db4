import { AuthService } from '@app/auth';
import { TicketEventsService, type StaffActor, type TicketEvent } from '@app/tickets';
import { Controller, Req, Res, Sse, type MessageEvent } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { from, interval, map, merge, mergeMap, takeWhile, type Observable } from 'rxjs';
import { SESSION_COOKIE } from '../guards/session.guard';
import { Actor } from './current-actor';

const PING_MS = 20_000;

@ApiTags('events')
@ApiCookieAuth()
@Controller('api/events')
export class EventsController {
  constructor(
    private readonly events: TicketEventsService,
    private readonly auth: AuthService,
  ) {}

  /**
   * Server-sent events: `ticket`, `message` and `presence` (ids only; fetch content through the
   * API), plus `ping` every 20 s. The session is re-checked with each ping; when it has expired an
   * `expired` event is sent and the stream ends, so the browser returns to sign-in.
   */
  @Sse()
  @ApiOperation({ summary: 'Live updates for the inbox (text/event-stream)' })
  stream(
    @Actor() actor: StaffActor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Observable<MessageEvent> {
    res.setHeader('X-Accel-Buffering', 'no');
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    const pings = interval(PING_MS).pipe(
      mergeMap(() => from(this.auth.authenticate(token))),
      map((user) => (user ? { type: 'ping' } : { type: 'expired' })),
    );
    const live = this.events.streamFor(actor).pipe(map((e: TicketEvent) => e as { type: string }));
    return merge(live, pings).pipe(
      takeWhile((e) => e.type !== 'expired', true),
      map((e) => ({ type: e.type, data: e })),
    );
  }
}
