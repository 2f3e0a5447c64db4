import { PrivacyAuditEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../actor';

export interface AuditInput {
  actor: Actor;
  action: string;
  subjectType: string;
  subjectId: string | null;
  /** Counts, field names, states — never personal values. */
  details?: Record<string, unknown>;
}

/** Writes the privacy audit log, inside the caller's transaction when one is given. */
@Injectable()
export class PrivacyAuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(input: AuditInput, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(PrivacyAuditEntity).save({
      actor: input.actor,
      action: input.action,
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      details: input.details ?? {},
    });
  }

  async list(subjectType: string, subjectId: string): Promise<PrivacyAuditEntity[]> {
    return this.dataSource
      .getRepository(PrivacyAuditEntity)
      .find({ where: { subjectType, subjectId }, order: { id: 'ASC' } });
  }
}
