import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI description of the web form; validation itself is the intake schema (zod). */
export class FormRequestDto {
  @ApiProperty({ maxLength: 200 })
  name: string;

  @ApiProperty({ format: 'email' })
  email: string;

  @ApiProperty({ maxLength: 250 })
  subject: string;

  @ApiProperty({ maxLength: 100000 })
  message: string;

  @ApiPropertyOptional({ description: 'Separate, unticked by default', type: Boolean })
  consentPromotionalEmail?: boolean;

  @ApiPropertyOptional({ description: 'Separate, unticked by default', type: Boolean })
  consentMarketResearch?: boolean;

  @ApiPropertyOptional({ description: 'Honeypot: leave empty' })
  website?: string;

  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'binary' } })
  attachments?: unknown[];
}

export class LoginDto {
  @ApiProperty({ format: 'email' })
  email: string;

  @ApiProperty()
  password: string;

  @ApiPropertyOptional({ description: 'TOTP or recovery code, when the account has two-factor sign-in' })
  otp?: string;
}
