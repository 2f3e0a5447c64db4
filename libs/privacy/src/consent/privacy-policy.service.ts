import { AuditService } from '@app/audit';
import { PrivacyPolicyVersionEntity } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThanOrEqual, type DataSource } from 'typeorm';
import { toAuditActor, type Actor } from '../actor';
import { PrivacyError } from '../privacy.error';

export interface PolicyVersion {
  version: string;
  text: string;
  publishedAt: Date;
}

/** Versions of the privacy policy text; the latest one already published is current. */
@Injectable()
export class PrivacyPolicyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async current(): Promise<PolicyVersion | null> {
    return currentPrivacyPolicy(this.dataSource);
  }

  async list(): Promise<PolicyVersion[]> {
    return this.dataSource.getRepository(PrivacyPolicyVersionEntity).find({ order: { publishedAt: 'DESC' } });
  }

  async publish(input: { version: string; text: string; publishedAt?: Date; actor: Actor }): Promise<PolicyVersion> {
    const version = input.version.trim();
    if (!/^[\w.-]{1,40}$/.test(version)) {
      throw new PrivacyError('invalid_policy', 'version: letters, digits, ".", "-" and "_" only, at most 40');
    }
    if (input.text.trim() === '') throw new PrivacyError('invalid_policy', 'The policy text is empty');
    const repo = this.dataSource.getRepository(PrivacyPolicyVersionEntity);
    if (await repo.exists({ where: { version } })) {
      throw new PrivacyError('policy_version_exists', 'This version exists; versions are never edited');
    }
    const row = { version, text: input.text, publishedAt: input.publishedAt ?? new Date() };
    await repo.insert(row);
    await this.audit.record({
      actor: toAuditActor(input.actor),
      action: 'privacy_policy.published',
      target: { type: 'privacy_policy', id: null },
      details: { version },
    });
    return row;
  }
}

/**
 * The current policy, for callers without Nest injection at hand (the web-form staging records
 * it with each consent). Null only before the first migration ran.
 */
export async function currentPrivacyPolicy(dataSource: DataSource): Promise<PolicyVersion | null> {
  return dataSource.getRepository(PrivacyPolicyVersionEntity).findOne({
    where: { publishedAt: LessThanOrEqual(new Date()) },
    order: { publishedAt: 'DESC' },
  });
}
