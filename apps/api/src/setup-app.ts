import { AuditContext } from '@app/audit';
import type { AppConfig } from '@app/config';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { mountQueueBoard } from './queue-board';
import { join, resolve } from 'node:path';

/** How long an idle keep-alive connection to the api stays open. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Express-level setup shared by the api process, the all-in-one process and tests. */
export function setupApp(app: NestExpressApplication, config: AppConfig): void {
  // req.ip is the client, not the proxy: X-Forwarded-For is believed from TRUST_PROXY's proxies only.
  app.set('trust proxy', config.values.TRUST_PROXY);
  app.disable('x-powered-by');
  // Idle keep-alive connections stay open longer than reverse proxies and load balancers keep theirs
  // (60 s is common; Node's default is 5 s): otherwise a proxy or client can send a request on a
  // connection the api is closing at that moment and get a reset (bench:webform saw ECONNRESET).
  const server: Server = app.getHttpServer();
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          // Swagger UI and the SPA use inline styles.
          'style-src': ["'self'", "'unsafe-inline'"],
          // Remote http(s) images appear only inside a message's sandboxed frame, and only after the
          // agent asks for them; that frame (a srcdoc document) inherits this policy, and its own
          // stricter policy blocks them until then (apps/web/src/ticket/MessageBody.tsx).
          'img-src': ["'self'", 'data:', 'https:', 'http:'],
          'frame-src': ["'self'"],
          'frame-ancestors': ["'none'"],
          'form-action': ["'self'"],
          'base-uri': ["'none'"],
          'object-src': ["'none'"],
        },
      },
    }),
  );
  // API answers carry tickets, names and addresses: no browser or proxy may keep a copy. Routes
  // that need another policy (attachments, archives) set their own header, which replaces this one.
  app.use('/api', (req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!req.path.startsWith('/docs')) res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(cookieParser());
  app.useBodyParser('json', { limit: '2mb' });
  app.useBodyParser('urlencoded', { limit: '2mb', extended: false });
  // Audit entries written while serving a request carry its IP (after the body parsers, whose
  // stream callbacks would otherwise run outside the context).
  app.use((req: express.Request, _res: express.Response, next: express.NextFunction) =>
    AuditContext.run({ ip: req.ip ?? null }, next),
  );
  // No enableShutdownHooks(): runProcess owns SIGTERM/SIGINT (bounded graceful close, then exit 0).
  // Nest's own hook would re-raise the signal after closing and end the process as killed.

  if (config.apiDocsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Intake API')
        .setDescription('Support desk: public intake, agent and supervisor APIs')
        .setVersion('0.1.0')
        .addCookieAuth('intake_session')
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document);
  }

  mountQueueBoard(app, config);

  const web = webAssetsDir();
  if (web) {
    // These run before Nest's routes: server paths skip them, so an API request costs no file
    // system lookup (express.static would stat a file for every request).
    const serverPath = /^\/(api|support|portal|health|metrics|admin\/queues)(\/|$)/;
    const assets = express.static(web, { index: false, maxAge: '1h' });
    app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (serverPath.test(req.path)) return next();
      assets(req, res, next);
    });
    // Client-side routes of the single-page app: anything not under /api, /support, /portal or
    // /health (the customer portal is server-rendered: the staff bundle never reaches a customer).
    app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
      if (req.method !== 'GET' || serverPath.test(req.path)) return next();
      res.sendFile(join(web, 'index.html'));
    });
  }
}

function webAssetsDir(): string | null {
  const candidates = [resolve(process.cwd(), 'dist/web'), resolve(__dirname, '../../../web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}
