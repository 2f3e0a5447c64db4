import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * PostgreSQL text cannot hold U+0000, so a NUL anywhere in a path parameter, the query or a JSON
 * or form body would fail deep inside a query as a 500. Every such request is refused up front
 * with 400 `invalid_text` instead. Uploaded files (Buffers) are not text and pass untouched.
 */
@Injectable()
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'custom' && containsNul(value)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'invalid_text',
        message: `The ${metadata.type === 'param' ? 'path' : metadata.type} must not contain the NUL character (U+0000)`,
      });
    }
    return value;
  }
}

/** Iterative, so a deeply nested JSON body cannot exhaust the stack. */
function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !ArrayBuffer.isView(v)) {
      for (const [key, item] of Object.entries(v)) {
        if (key.includes('\u0000')) return true;
        stack.push(item);
      }
    }
  }
  return false;
}
