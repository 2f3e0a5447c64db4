import type { EntityManager } from 'typeorm';

/**
 * Where attachment bytes live. Writes take the caller's transaction manager so that an
 * attachment is stored in the same transaction as its message (all or nothing).
 */
export abstract class AttachmentStorage {
  abstract put(manager: EntityManager, key: string, data: Buffer): Promise<void>;
  /**
   * Stores the bytes a base64 text inside a staging row's raw message decodes to (a large inbound
   * attachment the worker never read), and says what it stored.
   */
  abstract putFromStagedBase64(
    manager: EntityManager,
    key: string,
    source: { inboundMessageId: string; start: number; end: number },
  ): Promise<{ size: number; sha256: string }>;
  abstract get(key: string): Promise<Buffer | null>;
  abstract delete(manager: EntityManager, key: string): Promise<void>;
}
