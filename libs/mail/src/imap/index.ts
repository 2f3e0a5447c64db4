export * from './imap-client.factory';
export * from './imap-error';
export * from './imap-probe';
export * from './imap-settings';
export * from './read-limited';
export * from './search-uids';
