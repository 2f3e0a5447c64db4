import { UserRole } from '@app/database';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { Observable, Subject, filter, from, map, mergeMap, type Subscription } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { StaffActor } from '../actor';
import type { PresenceViewer, RawNotification, TicketEvent } from './ticket-event';

export const EVENTS_CHANNEL = 'intake_events';
export const PRESENCE_CHANNEL = 'intake_presence';
const PRESENCE_TTL_MS = 25_000;
const GROUPS_REFRESH_MS = 60_000;

/**
 * Live updates across processes. Database triggers NOTIFY on every ticket and message write (the
 * intake worker is another process), and presence heartbeats are NOTIFYed too, so every api
 * replica hears everything on one LISTEN connection and fans it out to its own browsers. Works
 * the same on the embedded PostgreSQL (no Redis needed).
 */
@Injectable()
export class TicketEventsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('TicketEvents');
  private readonly raw = new Subject<RawNotification>();
  private readonly presence = new Map<string, Map<string, { typing: boolean; expiresAt: number }>>();
  /** Group and assignee of each ticket with viewers, from its latest heartbeat (for the sweep's events). */
  private readonly presenceScope = new Map<string, Pick<RawNotification, 'groupId' | 'assigneeId'>>();
  private client: Client | null = null;
  private stopped = false;
  private sweeper: NodeJS.Timeout | null = null;
  private ready: Promise<void> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.ready = this.connect();
    this.sweeper = setInterval(() => this.sweep(), 5_000);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.raw.complete();
    await this.client?.end().catch(() => undefined);
  }

  /** Resolves once the LISTEN connection is up (tests wait for it before writing). */
  whenListening(): Promise<void> {
    return this.ready;
  }

  /** Events this member of staff may see, presence snapshots included. */
  streamFor(actor: StaffActor): Observable<TicketEvent> {
    return new Observable<TicketEvent>((subscriber) => {
      let groups = new Set<string>();
      let loadedAt = 0;
      const loadGroups = async () => {
        if (actor.role !== UserRole.Agent || Date.now() - loadedAt < GROUPS_REFRESH_MS) return;
        const rows = await this.dataSource.query<Array<{ group_id: string }>>(
          'SELECT group_id FROM group_members WHERE user_id = $1',
          [actor.id],
        );
        groups = new Set(rows.map((r) => r.group_id));
        loadedAt = Date.now();
      };
      // Presence carries the ticket's group and assignee like ticket events do, so an agent hears
      // about viewers only on tickets they may see.
      const visible = (n: RawNotification) =>
        actor.role !== UserRole.Agent || n.assigneeId === actor.id || !n.groupId || groups.has(n.groupId);
      const sub: Subscription = this.raw
        .pipe(
          mergeMap((n) => from(loadGroups().then(() => n)), 1),
          filter(visible),
          map((n) => this.toEvent(n)),
          filter((e): e is TicketEvent => e !== null),
        )
        .subscribe(subscriber);
      return () => sub.unsubscribe();
    });
  }

  /**
   * Presence heartbeat of one agent on one ticket (the caller checked the agent may see it). The
   * notification carries the ticket's current group and assignee, read in the same statement, so
   * each stream can filter it by visibility.
   */
  async heartbeat(userId: string, ticketId: string, state: { typing: boolean; leaving: boolean }): Promise<void> {
    await this.dataSource.query(
      `SELECT pg_notify($1, json_build_object('kind', 'presence', 'ticketId', t.id, 'userId', $3::text,
                'typing', $4::boolean, 'leaving', $5::boolean, 'groupId', t.group_id, 'assigneeId', t.assignee_id)::text)
         FROM tickets t WHERE t.id = $2`,
      [PRESENCE_CHANNEL, ticketId, userId, state.typing, state.leaving],
    );
  }

  viewers(ticketId: string): PresenceViewer[] {
    const now = Date.now();
    return [...(this.presence.get(ticketId)?.entries() ?? [])]
      .filter(([, v]) => v.expiresAt > now)
      .map(([userId, v]) => ({ userId, typing: v.typing }));
  }

  private toEvent(n: RawNotification): TicketEvent | null {
    if (n.kind === 'presence') return { type: 'presence', ticketId: n.ticketId, viewers: this.viewers(n.ticketId) };
    if (n.kind === 'message' && n.messageId)
      return { type: 'message', op: n.op ?? 'insert', ticketId: n.ticketId, messageId: n.messageId };
    if (n.kind === 'ticket') return { type: 'ticket', op: n.op ?? 'update', ticketId: n.ticketId };
    return null;
  }

  private onPresence(n: RawNotification): void {
    if (!n.userId) return;
    const viewers = this.presence.get(n.ticketId) ?? new Map<string, { typing: boolean; expiresAt: number }>();
    if (n.leaving) viewers.delete(n.userId);
    else viewers.set(n.userId, { typing: n.typing === true, expiresAt: Date.now() + PRESENCE_TTL_MS });
    if (viewers.size) {
      this.presence.set(n.ticketId, viewers);
      this.presenceScope.set(n.ticketId, { groupId: n.groupId ?? null, assigneeId: n.assigneeId ?? null });
    } else {
      this.presence.delete(n.ticketId);
      this.presenceScope.delete(n.ticketId);
    }
  }

  /** Drops expired viewers and tells browsers about tickets whose viewer list changed. */
  private sweep(): void {
    const now = Date.now();
    for (const [ticketId, viewers] of this.presence) {
      let changed = false;
      for (const [userId, v] of viewers) {
        if (v.expiresAt <= now) {
          viewers.delete(userId);
          changed = true;
        }
      }
      const scope = this.presenceScope.get(ticketId) ?? {};
      if (viewers.size === 0) {
        this.presence.delete(ticketId);
        this.presenceScope.delete(ticketId);
      }
      if (changed) this.raw.next({ kind: 'presence', ticketId, ...scope });
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const options = this.dataSource.options as { url?: string };
    const client = new Client({ connectionString: options.url, application_name: 'intake-listen' });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        const n = JSON.parse(msg.payload) as RawNotification;
        if (n.kind === 'presence') this.onPresence(n);
        this.raw.next(n);
      } catch {
        this.logger.warn('ignored a malformed notification');
      }
    });
    client.on('error', () => {
      this.logger.warn('LISTEN connection lost; reconnecting');
      this.client = null;
      client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.connect().catch(() => undefined), 1_000).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      await client.query(`LISTEN ${PRESENCE_CHANNEL}`);
      this.client = client;
    } catch {
      this.logger.warn('could not LISTEN; retrying');
      await client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.connect().catch(() => undefined), 2_000).unref();
    }
  }
}
