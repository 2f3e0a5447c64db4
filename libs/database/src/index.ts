export * from './data-source';
export * from './database.module';
export * from './embedded-postgres';
export * from './entities';
export * from './migrate';
export * from './storage/attachment-storage';
