import { Column, Entity, Index } from 'typeorm';
import { MutableEntity } from './base';
import { TicketPriority } from './enums';

/**
 * Service-level targets for one priority. Due dates are computed in the database (trigger
 * `tickets_sla_due`, see migration 1764600000000) so that every writer — the intake worker, the
 * agent API, imports — gets them without calling a service.
 */
@Entity('sla_policies')
@Index('ux_sla_policies_priority', ['priority'], { unique: true })
export class SlaPolicyEntity extends MutableEntity {
  @Column({ type: 'enum', enum: TicketPriority, enumName: 'ticket_priority' })
  priority: TicketPriority;

  @Column({ name: 'first_response_minutes', type: 'integer' })
  firstResponseMinutes: number;

  @Column({ name: 'resolution_minutes', type: 'integer' })
  resolutionMinutes: number;

  /** When true, only minutes inside business hours count towards the targets. */
  @Column({ name: 'business_hours', type: 'boolean', default: false })
  businessHours: boolean;

  /** IANA time zone of the business hours, e.g. Europe/Berlin. */
  @Column({ type: 'text', default: 'UTC' })
  timezone: string;

  /** Minutes after local midnight when the working day starts and ends. */
  @Column({ name: 'day_start_minute', type: 'integer', default: 540 })
  dayStartMinute: number;

  @Column({ name: 'day_end_minute', type: 'integer', default: 1020 })
  dayEndMinute: number;

  /** ISO weekdays that are working days (1 = Monday … 7 = Sunday). */
  @Column({ name: 'work_days', type: 'integer', array: true, default: () => "'{1,2,3,4,5}'" })
  workDays: number[];
}
