import { AgentPreferencesEntity } from '@app/database';
import { placeholderError, TEMPLATE_PLACEHOLDERS, unknownPlaceholders } from '@app/tickets';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { NotificationsError } from './notifications.error';

export const MAX_SIGNATURE_LENGTH = 2_000;

export interface AgentPreferences {
  notifyAssigned: boolean;
  notifyCustomerReplied: boolean;
  notifySla: boolean;
  /** Plain text with `{{placeholders}}`, under the agent's replies above the mailbox's signature. */
  signature: string;
  /** The placeholders a signature may use. */
  placeholders: string[];
}

const preferencesInput = z
  .object({
    notifyAssigned: z.boolean(),
    notifyCustomerReplied: z.boolean(),
    notifySla: z.boolean(),
    signature: z.string().max(MAX_SIGNATURE_LENGTH, `signature: at most ${MAX_SIGNATURE_LENGTH} characters`),
  })
  .partial()
  .strict();

/** The signed-in agent's own settings: which notifications they get, and their signature. */
@Injectable()
export class AgentPreferencesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(userId: string): Promise<AgentPreferences> {
    const row = await this.dataSource.getRepository(AgentPreferencesEntity).findOneBy({ userId });
    return {
      notifyAssigned: row?.notifyAssigned ?? true,
      notifyCustomerReplied: row?.notifyCustomerReplied ?? true,
      notifySla: row?.notifySla ?? true,
      signature: row?.signature ?? '',
      placeholders: [...TEMPLATE_PLACEHOLDERS],
    };
  }

  /** Changes the given fields; a signature with an unknown placeholder is refused, naming the known ones. */
  async update(userId: string, input: unknown): Promise<AgentPreferences> {
    const parsed = preferencesInput.safeParse(input);
    if (!parsed.success) {
      throw new NotificationsError(
        'invalid_preferences',
        parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '),
      );
    }
    const change = parsed.data;
    if (change.signature !== undefined) {
      const unknown = unknownPlaceholders(change.signature);
      if (unknown.length > 0) throw new NotificationsError('invalid_preferences', placeholderError(unknown));
    }
    const current = await this.get(userId);
    const signature = (change.signature ?? current.signature).replace(/\r\n?/g, '\n').trim();
    await this.dataSource.getRepository(AgentPreferencesEntity).upsert(
      {
        userId,
        notifyAssigned: change.notifyAssigned ?? current.notifyAssigned,
        notifyCustomerReplied: change.notifyCustomerReplied ?? current.notifyCustomerReplied,
        notifySla: change.notifySla ?? current.notifySla,
        signature: signature || null,
      },
      ['userId'],
    );
    return this.get(userId);
  }
}
