import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of the intake path, one registry per process. Labels are codes only
 * (kind, outcome, reason, queue, state): never addresses, subjects or mailbox names.
 */
@Injectable()
export class IntakeMetrics {
  readonly registry = new Registry();

  readonly staged = new Counter({
    name: 'intake_messages_staged_total',
    help: 'Inbound messages written to the staging table',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly alreadyStaged = new Counter({
    name: 'intake_messages_already_staged_total',
    help: 'Messages fetched from a mailbox again although already staged (after a crash between staging and the UID cursor update); skipped',
    registers: [this.registry],
  });

  readonly processed = new Counter({
    name: 'intake_messages_processed_total',
    help: 'Inbound messages committed, by outcome (created, follow_up, duplicate)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly quarantined = new Counter({
    name: 'intake_messages_quarantined_total',
    help: 'Inbound messages quarantined, by reason code',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly attachmentsFromStaging = new Counter({
    name: 'intake_attachments_from_staging_total',
    help: 'Large attachments decoded and stored by the database from the staging row, never read by the worker',
    registers: [this.registry],
  });

  readonly rawReads = new Counter({
    name: 'intake_raw_reads_total',
    help: 'Staged messages the worker took from this process (handoff: staged here, all-in-one) or read back from the database',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly settled = new Counter({
    name: 'intake_messages_settled_total',
    help: 'Server copies moved, expunged or flagged after commit',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  readonly pipelineDuration = new Histogram({
    name: 'intake_pipeline_duration_seconds',
    help: 'Time from job start to committed ticket (parse, filters, persist)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'intake_queue_depth',
    help: 'Jobs per queue and state, read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly inbound = new Gauge({
    name: 'intake_inbound_messages',
    help: 'Staging rows per kind and status (database-wide, so it covers every process)',
    labelNames: ['kind', 'status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'intake_process_' });
  }
}
