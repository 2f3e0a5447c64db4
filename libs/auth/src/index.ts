export * from './auth.error';
export * from './auth.module';
export * from './auth.service';
export * from './client-info';
export * from './users.service';
export * from './session-cache';
