import { AttachmentContentEntity } from './attachment-content.entity';
import { AttachmentEntity } from './attachment.entity';
import { CannedReplyEntity } from './canned-reply.entity';
import { ConsentEntity } from './consent.entity';
import { ContactEntity } from './contact.entity';
import { GroupEntity } from './group.entity';
import { GroupMemberEntity } from './group-member.entity';
import { HistoryEventEntity } from './history-event.entity';
import { InboundMessageEntity } from './inbound-message.entity';
import { LoginEventEntity } from './login-event.entity';
import { MailboxEntity } from './mailbox.entity';
import { MailboxStateEntity } from './mailbox-state.entity';
import { MessageEntity } from './message.entity';
import { SessionEntity } from './session.entity';
import { SlaPolicyEntity } from './sla-policy.entity';
import { TicketEntity } from './ticket.entity';
import { UserEntity } from './user.entity';

// Privacy (issue 6).
import { DataSubjectRequestEntity } from './data-subject-request.entity';
import { PrivacyPolicyVersionEntity } from './privacy-policy-version.entity';
import { RetentionPolicyEntity } from './retention-policy.entity';
import { RetentionRunEntity } from './retention-run.entity';
import { StatsFirstResponseEntity } from './stats-first-response.entity';
import { StatsWatermarkEntity } from './stats-watermark.entity';
import { TicketRedactionEntity } from './ticket-redaction.entity';
import { TicketStatsAgentDailyEntity } from './ticket-stats-agent-daily.entity';
import { TicketStatsDailyEntity } from './ticket-stats-daily.entity';
import { TicketStatsOrgDailyEntity } from './ticket-stats-org-daily.entity';
// Admin and audit (issue 12).
import { AuditActorType, AuditLogEntity } from './audit-log.entity';
// Customers (issue 11).
import { OrganisationEntity } from './organisation.entity';
import { DeskSettingEntity } from './desk-setting.entity';
import { RecoveryCodeEntity } from './recovery-code.entity';
import { UserTokenEntity } from './user-token.entity';
// Customer portal (issue 13).
import { CustomerAccountEmailEntity } from './customer-account-email.entity';
import { CustomerAccountMailEntity } from './customer-account-mail.entity';
import { CustomerAccountEntity, type PendingCustomerProfile } from './customer-account.entity';
import { CustomerSessionEntity } from './customer-session.entity';
// Answering (issue 14).
import { AgentPreferencesEntity } from './agent-preferences.entity';
import { AgentNotificationEntity } from './agent-notification.entity';
import { MailboxOauthStateEntity } from './mailbox-oauth-state.entity';
import { OutboundUploadEntity } from './outbound-upload.entity';
import { ReplyDraftEntity } from './reply-draft.entity';

export * from './enums';
export {
  AttachmentContentEntity,
  AttachmentEntity,
  ConsentEntity,
  ContactEntity,
  GroupEntity,
  HistoryEventEntity,
  InboundMessageEntity,
  LoginEventEntity,
  MailboxEntity,
  MessageEntity,
  SessionEntity,
  TicketEntity,
  UserEntity,
};
// Agent inbox (issue 5).
export { CannedReplyEntity, GroupMemberEntity, SlaPolicyEntity };
// Privacy (issue 6).
export {
  DataSubjectRequestEntity,
  PrivacyPolicyVersionEntity,
  RetentionPolicyEntity,
  RetentionRunEntity,
  StatsFirstResponseEntity,
  StatsWatermarkEntity,
  TicketRedactionEntity,
  TicketStatsDailyEntity,
};
// IMAP intake (issue 3).
export { MailboxStateEntity };
// Admin and audit (issue 12).
export { AuditActorType, AuditLogEntity, DeskSettingEntity, RecoveryCodeEntity, UserTokenEntity };
export { OrganisationEntity };
// Supervisor reports (issue 11).
export { TicketStatsAgentDailyEntity, TicketStatsOrgDailyEntity };
// Customer portal (issue 13).
export { CustomerAccountEmailEntity, CustomerAccountEntity, CustomerAccountMailEntity, CustomerSessionEntity };
export type { PendingCustomerProfile };
// Answering (issue 14).
export {
  AgentNotificationEntity,
  AgentPreferencesEntity,
  MailboxOauthStateEntity,
  OutboundUploadEntity,
  ReplyDraftEntity,
};
export { formatTicketReference, parseTicketReference, TICKET_NUMBER_SEQUENCE } from './ticket.entity';

/** Every entity; the data source and the migration check use this list. */
export const ALL_ENTITIES = [
  AttachmentContentEntity,
  AttachmentEntity,
  ConsentEntity,
  ContactEntity,
  GroupEntity,
  HistoryEventEntity,
  InboundMessageEntity,
  LoginEventEntity,
  MailboxEntity,
  MessageEntity,
  SessionEntity,
  TicketEntity,
  UserEntity,
  // Agent inbox (issue 5).
  CannedReplyEntity,
  GroupMemberEntity,
  SlaPolicyEntity,
  // Privacy (issue 6).
  DataSubjectRequestEntity,
  PrivacyPolicyVersionEntity,
  RetentionPolicyEntity,
  RetentionRunEntity,
  StatsFirstResponseEntity,
  StatsWatermarkEntity,
  TicketRedactionEntity,
  TicketStatsDailyEntity,
  // IMAP intake (issue 3).
  MailboxStateEntity,
  // Admin and audit (issue 12).
  AuditLogEntity,
  // Customers (issue 11).
  OrganisationEntity,
  TicketStatsAgentDailyEntity,
  TicketStatsOrgDailyEntity,
  DeskSettingEntity,
  RecoveryCodeEntity,
  UserTokenEntity,
  // Customer portal (issue 13).
  CustomerAccountEntity,
  CustomerAccountEmailEntity,
  CustomerSessionEntity,
  CustomerAccountMailEntity,
  // Answering (issue 14).
  AgentPreferencesEntity,
  AgentNotificationEntity,
  MailboxOauthStateEntity,
  OutboundUploadEntity,
  ReplyDraftEntity,
];
