export * from './crypto';
export * from './domain-error';
export * from './ids';
