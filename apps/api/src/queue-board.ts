import { AuditService, userActor } from '@app/audit';
import { AuthService } from '@app/auth';
import type { AppConfig } from '@app/config';
import { UserRole } from '@app/database';
import { QueueName, QueueService } from '@app/queue';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { ModulesContainer } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type express from 'express';
import { SESSION_COOKIE } from './guards/session.guard';
import { isCrossSite } from './guards/same-origin.guard';

export const QUEUE_BOARD_PATH = '/admin/queues';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bull Board at /admin/queues, for admins only: the same session cookie and role check as the
 * API (anyone else gets 403). Its own UI cannot send our X-CSRF-Token header, so its changes
 * (retry, remove, pause) are accepted only from this desk's own pages (Fetch Metadata / Origin
 * must say same-origin; a request carrying neither is refused) and each one is audited.
 */
export function mountQueueBoard(app: NestExpressApplication, config: AppConfig): void {
  // An application without the API (a worker-only test app) has no staff sessions to guard it with.
  if (![...app.get(ModulesContainer).values()].some((module) => module.providers.has(AuthService))) return;
  const auth = app.get(AuthService);
  const audit = app.get(AuditService);
  const queues = app.get(QueueService);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(queues.queue(name))),
    // @bull-board/express 9.10.1 (its latest) declares its own copy of @bull-board/api 9.10.1's types;
    // the adapter interface is the same in 9.10.2.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Intake queues' } },
  });
  const publicOrigin = new URL(config.values.PUBLIC_URL).origin;
  const guard = async (req: express.Request, res: express.Response, next: express.NextFunction) => {
    try {
      const cookies = req.cookies as Record<string, string> | undefined;
      const user = await auth.authenticate(cookies?.[SESSION_COOKIE]);
      if (!user || user.role !== UserRole.Admin || user.twoFactorSetupRequired) {
        res.status(403).json({ statusCode: 403, error: 'forbidden', message: 'Admins only' });
        return;
      }
      res.setHeader('Cache-Control', 'no-store');
      if (!SAFE.has(req.method)) {
        const declared = req.header('sec-fetch-site') !== undefined || req.header('origin') !== undefined;
        if (!declared || isCrossSite(req, publicOrigin)) {
          res.status(403).json({ statusCode: 403, error: 'csrf_failed', message: 'Only from the desk itself' });
          return;
        }
        await audit.record({
          actor: userActor(user.id),
          action: 'queue.changed',
          target: { type: 'queue', id: null },
          ip: req.ip ?? null,
          // The board's API path names the queue, job id and verb (ids only, no job data).
          details: { method: req.method, path: req.path.slice(0, 200) },
        });
      }
      next();
    } catch (error) {
      next(error);
    }
  };
  app.use(QUEUE_BOARD_PATH, guard, serverAdapter.getRouter() as express.Router);
}
