export * from './acknowledgement';
export * from './outbound.module';
export * from './outbound-message';
export * from './outbound-status.service';
export * from './reply-to-ticket.usecase';
export * from './send-job';
export * from './send-message.handler';
