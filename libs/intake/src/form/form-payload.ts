/**
 * What the web form stores as the raw bytes of its staging row (JSON, UTF-8). Deleted, like raw
 * email, once the ticket is committed.
 */
export interface FormPayload {
  version: 1;
  name: string;
  email: string;
  subject: string;
  message: string;
  consents: { promotionalEmail: boolean; marketResearch: boolean };
  policyVersion: string;
  /** HMAC of the submitter's IP (see ConsentEntity.ipHash); the IP itself is not kept. */
  ipHash: string | null;
  submittedAt: string;
  attachments: Array<{ filename: string; contentType: string; contentBase64: string }>;
  /**
   * Customer portal (issue 13): written by a signed-in customer. `ticketId` set: a reply to that
   * ticket (already checked to be theirs); null: a new request. Tickets it creates get channel `portal`.
   */
  portal?: { ticketId: string | null };
}

export function encodeFormPayload(payload: FormPayload): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

export function decodeFormPayload(raw: Buffer): FormPayload {
  const value = JSON.parse(raw.toString('utf8')) as FormPayload;
  if (value.version !== 1 || typeof value.email !== 'string' || typeof value.message !== 'string') {
    throw new Error('unsupported form payload');
  }
  return value;
}
