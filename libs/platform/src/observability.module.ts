import { AppConfig } from '@app/config';
import { bearerMatches, IntakeMetrics, MailboxesModule, scrapeIntakeMetrics } from '@app/intake';
import { QueueService } from '@app/queue';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';

const OPTIONS = Symbol('observability-options');

interface ObservabilityOptions {
  /** worker or poller: named in the /health answer. */
  process: string;
  /** 0 or undefined: no server. */
  port: number | undefined;
}

/**
 * `/health` and `/metrics` of a process without an HTTP API (worker, poller), on a port of its own:
 * a plain node:http server, so an orchestrator can probe it and Prometheus can scrape each replica.
 * The port is private (not published by the compose file), so `/metrics` is open unless
 * METRICS_TOKEN is set, in which case it asks for the same bearer token as the api's.
 */
@Injectable()
export class ObservabilityServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ObservabilityServer.name);
  private server: Server | null = null;

  constructor(
    @Inject(OPTIONS) private readonly options: ObservabilityOptions,
    private readonly config: AppConfig,
    private readonly metrics: IntakeMetrics,
    private readonly queue: QueueService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The bound port (tests listen on 0 through the config and ask). */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.port) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.config.values.HOST, () => resolve());
    });
    this.server = server;
    this.logger.log(`${this.options.process}: /health and /metrics on port ${this.port}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
      if (path === '/health') return await this.health(res);
      if (path === '/metrics') return await this.scrape(req, res);
      send(res, 404, 'text/plain', 'not found\n');
    } catch {
      send(res, 500, 'text/plain', 'internal error\n');
    }
  }

  /** 200 when the database and the queue answer, 503 otherwise (same rule as the api's /health). */
  private async health(res: ServerResponse): Promise<void> {
    const database = await this.dataSource
      .query('SELECT 1')
      .then(() => 'up' as const)
      .catch(() => 'down' as const);
    const queue = (await this.queue.ping()) ? ('up' as const) : ('down' as const);
    const ok = database === 'up' && queue === 'up';
    send(
      res,
      ok ? 200 : 503,
      'application/json',
      JSON.stringify({ status: ok ? 'ok' : 'degraded', process: this.options.process, database, queue }),
    );
  }

  private async scrape(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = this.config.values.METRICS_TOKEN;
    if (token && !bearerMatches(req.headers.authorization, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return send(res, 401, 'text/plain', 'unauthorized\n');
    }
    const body = await scrapeIntakeMetrics(this.metrics, this.queue, this.dataSource);
    send(res, 200, this.metrics.registry.contentType, body);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Adds the /health + /metrics server to a worker or poller process (no server when port is 0/unset). */
@Module({})
export class ObservabilityModule {
  static forProcess(process: string, port: number | undefined): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [MailboxesModule],
      providers: [{ provide: OPTIONS, useValue: { process, port } }, ObservabilityServer],
      exports: [ObservabilityServer],
    };
  }
}
