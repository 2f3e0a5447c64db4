export * from './crypto';
export * from './domain-error';
