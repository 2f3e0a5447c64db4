import { AuditService, CLI_ACTOR, type AuditActor } from '@app/audit';
import { SlaPolicyEntity, TicketPriority } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { TicketError } from './ticket.error';

const policySchema = z
  .object({
    firstResponseMinutes: z.number().int().min(1).max(525_600),
    resolutionMinutes: z.number().int().min(1).max(525_600),
    businessHours: z.boolean().default(false),
    timezone: z
      .string()
      .default('UTC')
      .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'must be an IANA time zone'),
    dayStartMinute: z.number().int().min(0).max(1439).default(540),
    dayEndMinute: z.number().int().min(1).max(1440).default(1020),
    workDays: z.array(z.number().int().min(1).max(7)).min(1).max(7).default([1, 2, 3, 4, 5]),
  })
  .refine((p) => p.dayEndMinute > p.dayStartMinute, { message: 'the working day must end after it starts' });

export interface SlaPolicyView {
  priority: TicketPriority;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  businessHours: boolean;
  timezone: string;
  dayStartMinute: number;
  dayEndMinute: number;
  workDays: number[];
}

/** SLA targets per priority. Due dates themselves are computed by the database (see the migration). */
@Injectable()
export class SlaPoliciesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<SlaPolicyView[]> {
    const rows = await this.dataSource.getRepository(SlaPolicyEntity).find();
    const order = Object.values(TicketPriority);
    return rows.sort((a, b) => order.indexOf(b.priority) - order.indexOf(a.priority)).map(view);
  }

  /** Sets the policy of one priority and recomputes the due dates of that priority's open tickets. */
  async put(priority: string, input: unknown, actor: AuditActor = CLI_ACTOR): Promise<SlaPolicyView> {
    if (!(Object.values(TicketPriority) as string[]).includes(priority))
      throw new TicketError('invalid_sla_policy', 'priority must be low, normal, high or urgent');
    const parsed = policySchema.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TicketError('invalid_sla_policy', `${issue?.path.join('.') || 'policy'} ${issue?.message ?? ''}`);
    }
    return this.dataSource.transaction(async (m) => {
      const old = await m.findOne(SlaPolicyEntity, { where: { priority: priority as TicketPriority } });
      await m.query(
        `INSERT INTO sla_policies (priority, first_response_minutes, resolution_minutes, business_hours, timezone,
           day_start_minute, day_end_minute, work_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (priority) DO UPDATE SET first_response_minutes = EXCLUDED.first_response_minutes,
           resolution_minutes = EXCLUDED.resolution_minutes, business_hours = EXCLUDED.business_hours,
           timezone = EXCLUDED.timezone, day_start_minute = EXCLUDED.day_start_minute,
           day_end_minute = EXCLUDED.day_end_minute, work_days = EXCLUDED.work_days, updated_at = now()`,
        [
          priority,
          parsed.data.firstResponseMinutes,
          parsed.data.resolutionMinutes,
          parsed.data.businessHours,
          parsed.data.timezone,
          parsed.data.dayStartMinute,
          parsed.data.dayEndMinute,
          parsed.data.workDays,
        ],
      );
      await m.query(
        `UPDATE tickets t SET first_response_due_at = intake_sla_add(t.created_at, p.first_response_minutes, p),
           resolution_due_at = intake_sla_add(t.created_at, p.resolution_minutes, p)
         FROM sla_policies p WHERE p.priority = t.priority AND t.priority = $1 AND t.status NOT IN ('solved', 'closed')`,
        [priority],
      );
      const row = await m.findOneOrFail(SlaPolicyEntity, { where: { priority: priority as TicketPriority } });
      const before = old ? view(old) : null;
      const after = view(row);
      const changes: Record<string, { before: unknown; after: unknown }> = {};
      for (const key of Object.keys(after) as Array<keyof SlaPolicyView>) {
        if (key === 'priority') continue;
        if (JSON.stringify(before?.[key] ?? null) !== JSON.stringify(after[key]))
          changes[key] = { before: before?.[key] ?? null, after: after[key] };
      }
      if (Object.keys(changes).length > 0) {
        await this.audit.record(
          { actor, action: 'sla_policy.set', target: { type: 'sla_policy', id: priority }, changes },
          m,
        );
      }
      return after;
    });
  }
}

function view(p: SlaPolicyEntity): SlaPolicyView {
  return {
    priority: p.priority,
    firstResponseMinutes: p.firstResponseMinutes,
    resolutionMinutes: p.resolutionMinutes,
    businessHours: p.businessHours,
    timezone: p.timezone,
    dayStartMinute: p.dayStartMinute,
    dayEndMinute: p.dayEndMinute,
    workDays: p.workDays,
  };
}
