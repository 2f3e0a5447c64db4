// Values of these enums are stored in PostgreSQL enum types: add values with a migration, never rename.
export enum UserRole {
  Agent = 'agent',
  Supervisor = 'supervisor',
  Admin = 'admin',
}
export enum TicketStatus {
  New = 'new',
  Open = 'open',
  Pending = 'pending',
  Solved = 'solved',
  Closed = 'closed',
}
export enum TicketPriority {
  Low = 'low',
  Normal = 'normal',
  High = 'high',
  Urgent = 'urgent',
}
export enum Channel {
  Email = 'email',
  Form = 'form',
  /** Customer portal (issue 13): a new request or reply written while signed in. */
  Portal = 'portal',
  /** Opened by an agent for a phone call (issue 14): no email is sent. */
  Phone = 'phone',
  /** Opened by an agent writing to the customer first (issue 14): the first message is sent by email. */
  Outbound = 'outbound',
}
export enum MessageDirection {
  In = 'in',
  Out = 'out',
}
export enum DeliveryStatus {
  Queued = 'queued',
  Sending = 'sending',
  Sent = 'sent',
  Failed = 'failed',
}
export enum InboundKind {
  Email = 'email',
  Form = 'form',
}
export enum InboundStatus {
  Received = 'received',
  Processing = 'processing',
  Processed = 'processed',
  Quarantined = 'quarantined',
}
export enum ActorType {
  System = 'system',
  User = 'user',
  Contact = 'contact',
}
export enum ConsentPurpose {
  PromotionalEmail = 'promotional_email',
  MarketResearch = 'market_research',
}
export enum MailboxAfterAction {
  Move = 'move',
  Expunge = 'expunge',
  FlagSeen = 'flag_seen',
}
