import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { CountProperty, DateTimeProperty, IdProperty } from '../../common/openapi/api-property';
import { DATE_TIME_SCHEMA, IsDateTime } from '../../common/validators/date-time.validators';
import { unknownMergeFields } from '../merge-fields';

/** 400 at creation for a `{{field}}` that is not a merge field, naming it. */
function OnlyKnownMergeFields(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'onlyKnownMergeFields',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || unknownMergeFields(value).length === 0,
        defaultMessage: (args) =>
          `${args?.property} uses unknown merge field(s) ${unknownMergeFields(String(args?.value)).join(', ')}: only {{name}} and {{email}} are available`,
      },
    },
    options,
  );
}

export const CAMPAIGN_AUDIENCES = ['ALL', 'CUSTOMERS', 'COMPANIES'] as const;
export type CampaignAudience = (typeof CAMPAIGN_AUDIENCES)[number];
export const CAMPAIGN_STATUSES = ['SCHEDULED', 'SENDING', 'SENT', 'CANCELLED', 'FAILED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export class CreateCampaignDto {
  @ApiProperty({ example: 'Spring promotion' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({
    description: 'May use the merge fields {{name}} and {{email}} (any other {{field}} is a 400)',
    example: 'Ship for less this spring, {{name}}',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  @OnlyKnownMergeFields()
  subject: string;

  @ApiProperty({
    description:
      'HTML body, sent as written with {{name}} and {{email}} filled in (HTML-escaped) and an ' +
      'unsubscribe link added; any other {{field}} is a 400',
    example: '<p>Hello {{name}}!</p>',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(90_000)
  @OnlyKnownMergeFields()
  html: string;

  @ApiProperty({ enum: CAMPAIGN_AUDIENCES })
  @IsIn(CAMPAIGN_AUDIENCES)
  audience: CampaignAudience;

  @ApiPropertyOptional({
    ...DATE_TIME_SCHEMA,
    description: `When to send; absent = now. ${DATE_TIME_SCHEMA.description}`,
  })
  @IsOptional()
  @IsDateTime()
  scheduledAt?: string;
}

export class CampaignDto {
  @IdProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() subject: string;
  @ApiProperty({ enum: CAMPAIGN_AUDIENCES }) audience: CampaignAudience;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @DateTimeProperty() scheduledAt: string;
  @CountProperty({ description: 'Recipients snapshotted when sending started (0 before)' })
  recipients: number;
  @CountProperty() sent: number;
  @CountProperty() failed: number;
  @CountProperty({
    description: 'Recipients not mailed: opted out or suppressed after the recipients were chosen',
  })
  skipped: number;
  @DateTimeProperty() createdAt: string;
  @DateTimeProperty({ nullable: true }) startedAt: string | null;
  @DateTimeProperty({ nullable: true }) finishedAt: string | null;
}
