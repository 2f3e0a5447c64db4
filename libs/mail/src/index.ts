export * from './reply-token';
