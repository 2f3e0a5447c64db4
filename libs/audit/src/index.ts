export * from './audit-query.service';
export * from './audit-context';
export * from './audit-record';
export * from './audit-retention.service';
export * from './audit.error';
export * from './audit.module';
export * from './audit.service';
export * from './secret-scrubber';
