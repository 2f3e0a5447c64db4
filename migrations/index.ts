import { InitialSchema1764244800000 } from './1764244800000-initial-schema';

/** Every migration, in order. Append new ones; never edit one that has shipped. */
export const ALL_MIGRATIONS = [InitialSchema1764244800000];
