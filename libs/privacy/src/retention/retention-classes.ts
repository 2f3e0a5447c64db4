/**
 * The data classes retention knows, their allowed actions and safe defaults. Raw inbound bytes of
 * committed messages need no class: they are dropped in the same transaction as the commit.
 */
export enum DataClass {
  /** Raw bytes of quarantined inbound messages (never committed as a ticket). */
  QuarantinedInbound = 'quarantined_inbound',
  /** Failed queue jobs (ids only, but no reason to keep them forever). */
  FailedJobs = 'failed_jobs',
  /** Subject, bodies and attachments of tickets closed N days ago. */
  ClosedTicketContent = 'closed_ticket_content',
  /** Contacts with no open ticket and no activity for N days. */
  InactiveContacts = 'inactive_contacts',
  /** Login events: the IP is truncated (/24 IPv4, /48 IPv6) after N days. */
  LoginIp = 'login_ip',
  /** Login events: deleted after N days. */
  LoginEvents = 'login_events',
  /** Audit log entries: deleted after N days (their IPs are truncated under LoginIp first). */
  AuditLog = 'audit_log',
  /** Customer portal accounts whose address was never verified: deleted N days after registration. */
  UnverifiedPortalAccounts = 'unverified_portal_accounts',
}

export type RetentionAction = 'delete' | 'redact' | 'anonymise' | 'truncate';

export interface ClassRule {
  days: number;
  action: RetentionAction;
}

export interface ClassSpec {
  description: string;
  actions: RetentionAction[];
  /** Whether a mailbox may override the global rule (classes tied to a mailbox's mail). */
  perMailbox: boolean;
  defaults: ClassRule;
}

export const DATA_CLASSES: Record<DataClass, ClassSpec> = {
  [DataClass.QuarantinedInbound]: {
    description: 'raw bytes of quarantined inbound mail and form requests',
    actions: ['delete'],
    perMailbox: true,
    defaults: { days: 30, action: 'delete' },
  },
  [DataClass.FailedJobs]: {
    description: 'failed queue jobs (they hold ids only)',
    actions: ['delete'],
    perMailbox: false,
    defaults: { days: 7, action: 'delete' },
  },
  [DataClass.ClosedTicketContent]: {
    description: 'subject, message bodies and attachments of closed tickets, counted from closing',
    actions: ['redact', 'delete'],
    perMailbox: true,
    defaults: { days: 90, action: 'redact' },
  },
  [DataClass.InactiveContacts]: {
    description: 'contacts with no open ticket and no activity, counted from their last activity',
    actions: ['anonymise', 'delete'],
    perMailbox: false,
    defaults: { days: 365, action: 'anonymise' },
  },
  [DataClass.LoginIp]: {
    description: 'IP address of login events and audit entries, truncated to /24 (IPv4) or /48 (IPv6)',
    actions: ['truncate'],
    perMailbox: false,
    defaults: { days: 30, action: 'truncate' },
  },
  [DataClass.LoginEvents]: {
    description: 'login events (IP, browser family, language, time)',
    actions: ['delete'],
    perMailbox: false,
    defaults: { days: 365, action: 'delete' },
  },
  [DataClass.AuditLog]: {
    description: 'audit log entries (actor, action, target, time, IP, changed non-secret fields)',
    actions: ['delete'],
    perMailbox: false,
    defaults: { days: 365, action: 'delete' },
  },
  [DataClass.UnverifiedPortalAccounts]: {
    description: 'customer portal registrations never verified (name, company, phone, address, password hash)',
    actions: ['delete'],
    perMailbox: false,
    defaults: { days: 7, action: 'delete' },
  },
};

/** The order a run applies the classes in: cheap deletions first, contacts last. */
export const CLASS_ORDER: DataClass[] = [
  DataClass.QuarantinedInbound,
  DataClass.FailedJobs,
  DataClass.UnverifiedPortalAccounts,
  DataClass.LoginEvents,
  DataClass.AuditLog,
  DataClass.LoginIp,
  DataClass.ClosedTicketContent,
  DataClass.InactiveContacts,
];

export function isDataClass(value: string): value is DataClass {
  return (Object.values(DataClass) as string[]).includes(value);
}
