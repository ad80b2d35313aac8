import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, MaxLength } from 'class-validator';
import { CountProperty, DateTimeProperty, IdProperty } from '../../common/openapi/api-property';
import { PageOf, PaginationQueryDto } from '../../common/pagination.dto';
import { EmailEvent } from '../email-event';

export const EMAIL_STATES = ['PENDING', 'SENT', 'LOGGED', 'FAILED', 'SUPPRESSED'] as const;
export type EmailState = (typeof EMAIL_STATES)[number];
const EVENTS = Object.values(EmailEvent);

export class ListEmailsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: EMAIL_STATES })
  @IsOptional()
  @IsIn(EMAIL_STATES)
  state?: EmailState;

  @ApiPropertyOptional({ enum: EVENTS })
  @IsOptional()
  @IsIn(EVENTS)
  event?: EmailEvent;

  @ApiPropertyOptional({ description: 'Recipient address (exact, case-insensitive)' })
  @IsOptional()
  @MaxLength(320)
  @IsEmail({ require_tld: false })
  to?: string;
}

export class EmailAddressParamDto {
  @ApiProperty({ description: 'A suppressed address' })
  @MaxLength(320)
  @IsEmail({ require_tld: false })
  email: string;
}

export class EmailSummaryDto {
  @IdProperty() id: string;
  @ApiProperty({ enum: EVENTS, description: 'The X-Parcsal-Event header' }) event: string;
  @ApiProperty() to: string;
  @ApiProperty() subject: string;
  @ApiProperty({
    enum: EMAIL_STATES,
    description:
      'PENDING until settled; LOGGED = SMTP_URL unset (written to the log only); SUPPRESSED = ' +
      'not attempted, the address is on the suppression list',
  })
  state: EmailState;
  @CountProperty({ description: 'SMTP attempts made' }) attempts: number;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @DateTimeProperty() createdAt: string;
  @DateTimeProperty({ nullable: true }) sentAt: string | null;
}

export class EmailDetailDto extends EmailSummaryDto {
  @ApiProperty({
    description: 'The message headers as sent (From, To, Subject, Message-ID, X-Parcsal-*, ...)',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  headers: Record<string, string>;
  @ApiProperty() text: string;
  @ApiProperty() html: string;
}

export class EmailPage extends PageOf(EmailSummaryDto) {}

export class SuppressionDto {
  @ApiProperty() email: string;
  @ApiProperty({ description: 'The permanent SMTP failure that suppressed it' }) reason: string;
  @DateTimeProperty() createdAt: string;
}

export class SuppressionPage extends PageOf(SuppressionDto) {}
