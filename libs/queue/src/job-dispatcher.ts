import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { JOB_HANDLER_METADATA } from './job-handler.decorator';
import { JobName, type JobItem } from './queue.constants';

type Handler = (data: unknown, meta: JobMeta) => Promise<unknown>;

export interface JobMeta {
  jobId: string | undefined;
  attemptsMade: number;
  maxAttempts: number;
}

export class JobRegistryError extends Error {
  readonly code = 'job_registry_invalid';
}

/**
 * Finds every @JobHandler method at start-up and refuses to start unless each job name has
 * exactly one handler: a job without a handler would sit in the queue forever, and two handlers
 * would make it ambiguous which one ran.
 */
@Injectable()
export class JobDispatcher implements OnApplicationBootstrap {
  private readonly handlers = new Map<JobName, Handler>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const found = new Map<JobName, string[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = (instance as Record<string, unknown>)[method];
        if (typeof fn !== 'function') continue;
        const name = this.reflector.get<JobName | undefined>(JOB_HANDLER_METADATA, fn);
        if (!name) continue;
        const owners = found.get(name) ?? [];
        owners.push(`${wrapper.name}.${method}`);
        found.set(name, owners);
        this.handlers.set(name, (fn as Handler).bind(instance));
      }
    }
    assertOneHandlerEach(found);
  }

  async dispatch(job: {
    name: string;
    data: unknown;
    id?: string;
    attemptsMade: number;
    opts: { attempts?: number };
  }): Promise<unknown> {
    const handler = this.handlers.get(job.name as JobName);
    if (!handler) throw new JobRegistryError(`No handler for job "${job.name}"`);
    return handler(job.data, { jobId: job.id, attemptsMade: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 });
  }

  /** For typing at call sites that build jobs. */
  static job<J extends JobItem>(item: J): J {
    return item;
  }
}

export function assertOneHandlerEach(found: Map<JobName, string[]>): void {
  const problems: string[] = [];
  for (const name of Object.values(JobName)) {
    const owners = found.get(name) ?? [];
    if (owners.length === 0) problems.push(`job "${name}" has no handler`);
    if (owners.length > 1) problems.push(`job "${name}" has ${owners.length} handlers (${owners.join(', ')})`);
  }
  if (problems.length > 0) throw new JobRegistryError(`Refusing to start: ${problems.join('; ')}`);
}
