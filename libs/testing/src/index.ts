export * from './test-database';
export * from './test-redis';
export * from './wait-for';
export * from './free-port';
export * from './dovecot';
export * from './smtp-sink';
export * from './tcp-proxy';
