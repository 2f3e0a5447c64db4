export * from './infrastructure';
export * from './logging';
export * from './platform.module';
export * from './run-process';
export * from './observability.module';
export * from './database-note';
export * from './cpu-priority';
