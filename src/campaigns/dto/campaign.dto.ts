import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { DATE_TIME_SCHEMA, IsDateTime } from '../../common/validators/date-time.validators';

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
    ...DATE_TIME_SCHEMA,
    description: `When to send; absent = now. ${DATE_TIME_SCHEMA.description}`,
  })
  @IsOptional()
  @IsDateTime()
  scheduledAt?: string;
}

export class CampaignDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() subject: string;
  @ApiProperty({ enum: CAMPAIGN_AUDIENCES }) audience: CampaignAudience;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty({ format: 'date-time' }) scheduledAt: string;
  @ApiProperty({ description: 'Recipients snapshotted when sending started (0 before)' })
  recipients: number;
  @ApiProperty() sent: number;
  @ApiProperty() failed: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) finishedAt: string | null;
}
