import { schema } from '../database';
import { CampaignDto } from './dto/campaign.dto';

export type CampaignRow = typeof schema.campaigns.$inferSelect;

export function toCampaignDto(row: CampaignRow): CampaignDto {
  return {
    id: row.id,
    name: row.name,
    subject: row.subject,
    audience: row.audience,
    status: row.status,
    scheduledAt: row.scheduledAt.toISOString(),
    recipients: row.recipients,
    sent: row.sent,
    failed: row.failed,
    skipped: row.skipped,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
