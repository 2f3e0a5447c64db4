export * from './cursor';
export * from './history';
export * from './ticket-query.service';
export * from './ticket.error';
export * from './tickets.module';
