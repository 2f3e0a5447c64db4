import type { EntityManager } from 'typeorm';

/**
 * Where attachment bytes live. Writes take the caller's transaction manager so that an
 * attachment is stored in the same transaction as its message (all or nothing).
 */
export abstract class AttachmentStorage {
  abstract put(manager: EntityManager, key: string, data: Buffer): Promise<void>;
  abstract get(key: string): Promise<Buffer | null>;
  abstract delete(manager: EntityManager, key: string): Promise<void>;
}
