import { InboundKind } from '@app/database';
import { Injectable } from '@nestjs/common';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { QuarantineError } from '../../intake.error';
import type { Address, IntakeContext } from '../intake-context';
import type { IntakeFilter } from '../intake-filter';

/** Parses RFC 5322 bytes with mailparser into the normalised message shape. */
@Injectable()
export class ParseEmailFilter implements IntakeFilter {
  readonly name = 'parse-email';

  async run(ctx: IntakeContext): Promise<void> {
    if (ctx.inbound.kind !== InboundKind.Email) return;
    let parsed: ParsedMail;
    try {
      parsed = await simpleParser(ctx.raw, { skipTextToHtml: true, skipImageLinks: true });
    } catch {
      throw new QuarantineError('parse_failed');
    }
    const headers = new Map<string, string[]>();
    for (const line of parsed.headerLines) {
      const list = headers.get(line.key) ?? [];
      list.push(line.line.slice(line.line.indexOf(':') + 1).trim());
      headers.set(line.key, list);
    }
    ctx.message = {
      from: addresses(parsed.from)[0] ?? null,
      replyTo: addresses(parsed.replyTo),
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      messageId: parsed.messageId ?? null,
      inReplyTo: parsed.inReplyTo ?? null,
      references: Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : [],
      date: parsed.date ?? null,
      headers,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename ?? 'attachment',
        contentType: a.contentType,
        content: a.content,
        contentId: a.contentId ?? null,
        inline: a.contentDisposition === 'inline',
      })),
    };
  }
}

function addresses(value: AddressObject | AddressObject[] | undefined): Address[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((o) =>
    o.value.flatMap((a) => (a.address ? [{ address: a.address.toLowerCase(), name: a.name || null }] : [])),
  );
}
