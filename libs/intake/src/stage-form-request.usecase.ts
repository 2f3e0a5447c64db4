import { sha256Hex } from '@app/common';
import { AppConfig } from '@app/config';
import { formatTicketReference, InboundKind, TICKET_NUMBER_SEQUENCE } from '@app/database';
import { JobName, QueueService } from '@app/queue';
import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { encodeFormPayload, type FormPayload } from './form/form-payload';
import { fieldErrors, formRequestSchema } from './form/form-request.schema';
import { IntakeError } from './intake.error';
import { IntakeMetrics } from './metrics/intake-metrics';
import { hashIp } from './persist/persist-inbound.service';
import { sharedStagedBytes } from './persist/staged-bytes';

/**
 * The first published privacy policy version. The version in force now is the latest row of
 * privacy_policy_versions (libs/privacy); this constant is only the fallback before migrations ran.
 */
export const PRIVACY_POLICY_VERSION = '2026-11';

export interface UploadedFile {
  originalname: string;
  mimetype: string;
  buffer: Buffer;
  size: number;
}

export interface StageFormRequestCommand {
  body: Record<string, unknown>;
  files: UploadedFile[];
  ip: string | undefined;
}

/** A honeypot hit gets a reference like any other (a real number, used by nothing) but stores nothing. */
export type StageFormResult = { reference: string; honeypot?: true };

/**
 * Validates a web-form request, stores it as an inbound message and enqueues it. The ticket number
 * is reserved now so the customer gets their reference at once, before the worker runs.
 */
@Injectable()
export class StageFormRequest {
  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Optional() private readonly metrics?: IntakeMetrics,
  ) {}

  async execute(command: StageFormRequestCommand): Promise<StageFormResult> {
    const parsed = formRequestSchema.safeParse(command.body);
    if (!parsed.success) {
      throw new IntakeError('validation_failed', 'The request has invalid fields', fieldErrors(parsed.error));
    }
    const form = parsed.data;
    this.checkFiles(command.files);
    // A filled honeypot is a bot: answer exactly as if accepted (a fresh number from the same
    // sequence, so the reference looks like any other; issue 13), store nothing.
    if (form.website && form.website.trim() !== '') {
      return { reference: formatTicketReference(await this.reserveNumber()), honeypot: true };
    }

    // The number and the policy version in force, in one round trip (the form answers fast).
    const { ticketNumber, policyVersion } = await this.reserveNumberWithPolicy();
    const raw = encodeFormPayload({
      version: 1,
      name: form.name,
      email: form.email,
      subject: form.subject,
      message: form.message,
      consents: { promotionalEmail: form.consentPromotionalEmail, marketResearch: form.consentMarketResearch },
      // The version the form showed (current now), recorded with each consent.
      policyVersion,
      ipHash: hashIp(this.config.values.APP_SECRET, command.ip),
      submittedAt: new Date().toISOString(),
      attachments: command.files.map((f) => ({
        filename: f.originalname,
        contentType: f.mimetype || 'application/octet-stream',
        contentBase64: f.buffer.toString('base64'),
      })),
    });
    await this.stageRaw(raw, ticketNumber);
    return { reference: formatTicketReference(ticketNumber) };
  }

  /**
   * Stores an already validated payload as a staging row and enqueues its id: the one intake path
   * the web form and the customer portal share (issue 13). A new request reserves its number here.
   */
  async stagePayload(payload: FormPayload, newTicket: boolean): Promise<{ ticketNumber: number | null }> {
    const ticketNumber = newTicket ? await this.reserveNumber() : null;
    await this.stageRaw(encodeFormPayload(payload), ticketNumber);
    return { ticketNumber };
  }

  /** The IP's keyed hash as the web form stores it, for payloads built elsewhere. */
  ipHash(ip: string | undefined): string | null {
    return hashIp(this.config.values.APP_SECRET, ip);
  }

  private async reserveNumber(): Promise<number> {
    const reserved = await this.dataSource.query<Array<{ n: string }>>(
      `SELECT nextval('${TICKET_NUMBER_SEQUENCE}') AS n`,
    );
    return Number(reserved[0]?.n);
  }

  /** A new ticket number and the version of the privacy policy published now (as currentPrivacyPolicy). */
  private async reserveNumberWithPolicy(): Promise<{ ticketNumber: number; policyVersion: string }> {
    const [row] = await this.dataSource.query<Array<{ n: string; version: string | null }>>(
      `SELECT nextval('${TICKET_NUMBER_SEQUENCE}') AS n,
              (SELECT version FROM privacy_policy_versions WHERE published_at <= now()
                ORDER BY published_at DESC LIMIT 1) AS version`,
    );
    return { ticketNumber: Number(row?.n), policyVersion: row?.version ?? PRIVACY_POLICY_VERSION };
  }

  private async stageRaw(raw: Buffer, ticketNumber: number | null): Promise<void> {
    const [{ id }] = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO inbound_messages (kind, raw, size, sha256, reserved_ticket_number)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [InboundKind.Form, raw, raw.length, sha256Hex(raw), ticketNumber],
    );
    sharedStagedBytes().offer(id, raw);
    // jobId = staging id: a re-enqueue of the same row is ignored while the job exists.
    await this.queue.add({ name: JobName.ProcessInbound, data: { inboundMessageId: id } }, { jobId: id });
    this.metrics?.staged.inc({ kind: 'form' });
  }

  /** The form's attachment limits; the portal applies the same ones. */
  checkFiles(files: UploadedFile[]): void {
    const { FORM_MAX_ATTACHMENTS, FORM_MAX_ATTACHMENT_BYTES } = this.config.values;
    if (files.length > FORM_MAX_ATTACHMENTS) {
      throw new IntakeError('too_many_attachments', `At most ${FORM_MAX_ATTACHMENTS} attachments are accepted`, {
        attachments: `at most ${FORM_MAX_ATTACHMENTS} files`,
      });
    }
    const tooBig = files.find((f) => f.size > FORM_MAX_ATTACHMENT_BYTES);
    if (tooBig) {
      throw new IntakeError(
        'attachment_too_large',
        `Each attachment must be at most ${FORM_MAX_ATTACHMENT_BYTES} bytes`,
        {
          attachments: `each file at most ${FORM_MAX_ATTACHMENT_BYTES} bytes`,
        },
      );
    }
  }
}
