import { InitialSchema1764244800000 } from './1764244800000-initial-schema';
import { AgentInbox1764600000000 } from './1764600000000-agent-inbox';
import { Privacy1764700000000 } from './1764700000000-privacy';
import { ImapIntake1764400000000 } from './1764400000000-imap-intake';
import { MailUnderstanding1764500000000 } from './1764500000000-mail-understanding';
import { IntakeThroughput1764800000000 } from './1764800000000-intake-throughput';
import { AgentInboxSpeed1764900000000 } from './1764900000000-agent-inbox-speed';
import { StagingStorage1765000000000 } from './1765000000000-staging-storage';
import { AuditLog1765400000000 } from './1765400000000-audit-log';
import { Customers1765300000000 } from './1765300000000-customers';
import { AccountSecurity1765410000000 } from './1765410000000-account-security';
import { CustomerPortal1765600000000 } from './1765600000000-customer-portal';
// Answering (issue 14).
import { Answering1765500000000 } from './1765500000000-answering';
import { MailboxOauth1765510000000 } from './1765510000000-mailbox-oauth';
// Supervisor reports (issue 11).
import { SupervisorReports1765800000000 } from './1765800000000-supervisor-reports';
// Answering and notifications (issue 14), portal contact address (issue 13).
import { AgentTickets1765820000000 } from './1765820000000-agent-tickets';
import { DeliveryErrorLive1765820000001 } from './1765820000001-delivery-error-live';
import { AgentNotifications1765830000000 } from './1765830000000-agent-notifications';
import { ContactPostalAddress1765830000001 } from './1765830000001-contact-postal-address';
import { SearchWithoutAcknowledgements1765840000000 } from './1765840000000-search-without-acknowledgements';

/** Every migration, in order. Append new ones; never edit one that has shipped. */
export const ALL_MIGRATIONS = [
  InitialSchema1764244800000,
  AgentInbox1764600000000,
  ImapIntake1764400000000,
  Privacy1764700000000,
  MailUnderstanding1764500000000,
  IntakeThroughput1764800000000,
  AgentInboxSpeed1764900000000,
  StagingStorage1765000000000,
  AuditLog1765400000000,
  // Customers and organisations (issue 11).
  Customers1765300000000,
  AccountSecurity1765410000000,
  CustomerPortal1765600000000,
  // Answering (issue 14).
  Answering1765500000000,
  MailboxOauth1765510000000,
  // Supervisor reports (issue 11).
  SupervisorReports1765800000000,
  // Answering and notifications (issue 14), portal contact address (issue 13).
  AgentTickets1765820000000,
  DeliveryErrorLive1765820000001,
  AgentNotifications1765830000000,
  ContactPostalAddress1765830000001,
  // Search leaves out the desk's acknowledgements (issue 16, M1).
  SearchWithoutAcknowledgements1765840000000,
];
