import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { CountProperty, DateTimeProperty, IdProperty } from '../../common/openapi/api-property';

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

  @ApiProperty({ example: 'Ship for less this spring' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  subject: string;

  @ApiProperty({ description: 'HTML body, sent as written', example: '<p>Hello!</p>' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(90_000)
  html: string;

  @ApiProperty({ enum: CAMPAIGN_AUDIENCES })
  @IsIn(CAMPAIGN_AUDIENCES)
  audience: CampaignAudience;

  @ApiPropertyOptional({
    description: 'When to send (ISO-8601); absent = now',
    type: String,
    format: 'date-time',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'scheduledAt must be an ISO-8601 date' })
  scheduledAt?: Date;
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
  @DateTimeProperty() createdAt: string;
  @DateTimeProperty({ nullable: true }) startedAt: string | null;
  @DateTimeProperty({ nullable: true }) finishedAt: string | null;
}
