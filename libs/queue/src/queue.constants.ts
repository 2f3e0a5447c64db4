/**
 * Queue and job names.
 *
 * NEVER RENAME a value here: the names are stored with every waiting, delayed and failed job in
 * Redis (or PostgreSQL), and a renamed queue or job silently orphans them. Add new names instead.
 */
export enum QueueName {
  Intake = 'intake',
  /** IMAP intake (issue 3): server-side settle of staged emails and quarantine expiry. NEVER RENAME. */
  ImapSettle = 'imap-settle',
  /** Privacy (issue 6): retention sweeps and the statistics rollup. NEVER RENAME. */
  Maintenance = 'maintenance',
  /** Replies by email (issue 4): agent replies, acknowledgements, notifications. NEVER RENAME. */
  Outbound = 'outbound',
}

export enum JobName {
  /** Parse a staged inbound message (email or web form) and commit it as a ticket or follow-up. */
  ProcessInbound = 'process-inbound',
  /** Move/expunge/flag the server copy of a committed (or quarantined) email. NEVER RENAME. */
  SettleInbound = 'settle-inbound',
  /** Delete quarantined messages older than QUARANTINE_RETENTION_DAYS (scheduled). NEVER RENAME. */
  ExpireQuarantine = 'expire-quarantine',
  /** Apply the retention policies: plan, then execute in batches (scheduled daily). NEVER RENAME. */
  RetentionSweep = 'retention-sweep',
  /** Fold new history into the non-personal daily ticket statistics (scheduled). NEVER RENAME. */
  StatsRollup = 'stats-rollup',
  /** Send one queued outbound message over SMTP and record sent/failed on it. NEVER RENAME. */
  SendMessage = 'send-message',
  /** Replay or delete one quarantined message, server copy included (asked by an operator). NEVER RENAME. */
  QuarantineAction = 'quarantine-action',
  /** Customer portal (issue 13): send one account mail (address verification, sign-in link). NEVER RENAME. */
  SendPortalMail = 'send-portal-mail',
  /** Email a staff member their one-time invitation or password-reset link (issue 12). NEVER RENAME. */
  SendStaffLink = 'send-staff-link',
  /** Agent notifications (issue 14): look for new triggers and queue the mails (scheduled). NEVER RENAME. */
  NotifyScan = 'notify-scan',
  /** Send one agent notification mail and record sent/failed on its row. NEVER RENAME. */
  SendNotification = 'send-notification',
  /** Delete reply uploads never attached to a message (scheduled). NEVER RENAME. */
  SweepUploads = 'sweep-uploads',
}

/** Which queue carries each job. */
export const JOB_QUEUE: Record<JobName, QueueName> = {
  [JobName.ProcessInbound]: QueueName.Intake,
  [JobName.SettleInbound]: QueueName.ImapSettle,
  [JobName.ExpireQuarantine]: QueueName.ImapSettle,
  [JobName.RetentionSweep]: QueueName.Maintenance,
  [JobName.StatsRollup]: QueueName.Maintenance,
  [JobName.SendMessage]: QueueName.Outbound,
  [JobName.QuarantineAction]: QueueName.ImapSettle,
  [JobName.SendPortalMail]: QueueName.Outbound,
  [JobName.SendStaffLink]: QueueName.Outbound,
  [JobName.NotifyScan]: QueueName.Outbound,
  [JobName.SendNotification]: QueueName.Outbound,
  [JobName.SweepUploads]: QueueName.Maintenance,
};

/**
 * Payload of every job. Payloads carry ids only — never names, addresses, subjects or bodies —
 * so that nothing personal is copied into the queue store.
 */
export interface JobPayloads {
  [JobName.ProcessInbound]: { inboundMessageId: string };
  [JobName.SettleInbound]: { inboundMessageId: string };
  [JobName.ExpireQuarantine]: Record<string, never>;
  /** Who asked: the scheduler or a manual trigger (never a person's name). */
  [JobName.RetentionSweep]: { trigger: 'schedule' | 'manual' };
  [JobName.StatsRollup]: Record<string, never>;
  /** The outbound message row; its content is read from the database at send time. */
  [JobName.SendMessage]: { messageId: string };
  [JobName.QuarantineAction]: { inboundMessageId: string; action: 'replay' | 'delete' };
  /** The customer_account_mails row; address and link are read and derived at send time. */
  [JobName.SendPortalMail]: { portalMailId: string };
  /** The user_tokens row; the link is derived from its id with the app secret at send time. */
  [JobName.SendStaffLink]: { userTokenId: string };
  [JobName.NotifyScan]: Record<string, never>;
  /** The agent_notifications row; recipient and content are read at send time. */
  [JobName.SendNotification]: { notificationId: string };
  [JobName.SweepUploads]: Record<string, never>;
}

export type JobOf<N extends JobName> = JobPayloads[N];

/** One typed union of every job the system knows. */
export type JobItem = { [N in JobName]: { name: N; data: JobPayloads[N] } }[JobName];
