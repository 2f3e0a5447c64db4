export * from './actor';
export * from './canned-replies.service';
export * from './canned-reply-template';
export * from './cursor';
export * from './directory.service';
export * from './history';
export * from './inbox-cursor';
export * from './inbox-filter';
export * from './live/ticket-event';
export * from './live/ticket-events.service';
export * from './sla-policies.service';
export * from './ticket-change';
export * from './ticket-commands.service';
export * from './ticket-query.service';
export * from './ticket.error';
export * from './tickets.module';
// Replies by email (issue 4).
export * from './outbound';
