import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { and, eq } from 'drizzle-orm';
import { Database, DB, schema } from '../database';
import { toCampaignDto } from './campaign.mapper';
import { CampaignDto, CreateCampaignDto } from './dto/campaign.dto';

/**
 * The API side of campaigns: only the campaign row. No Redis is needed to accept one; the worker's
 * scheduler turns SCHEDULED rows into delayed jobs and sends them.
 */
@Injectable()
export class CampaignsService {
  constructor(@Inject(DB) private readonly db: Database) {}

  async create(dto: CreateCampaignDto, createdById: string): Promise<CampaignDto> {
    const [row] = await this.db
      .insert(schema.campaigns)
      .values({
        name: dto.name,
        subject: dto.subject,
        html: dto.html,
        audience: dto.audience,
        scheduledAt: dto.scheduledAt ? new Date(dto.scheduledAt) : new Date(),
        createdById,
      })
      .returning();
    return toCampaignDto(row);
  }

  async get(id: string): Promise<CampaignDto> {
    const [row] = await this.db.select().from(schema.campaigns).where(eq(schema.campaigns.id, id));
    if (!row) throw new NotFoundException('Campaign not found');
    return toCampaignDto(row);
  }

  /** Only while SCHEDULED: the same conditional update the worker uses to start it, so one wins. */
  async cancel(id: string): Promise<CampaignDto> {
    const [row] = await this.db
      .update(schema.campaigns)
      .set({ status: 'CANCELLED', finishedAt: new Date() })
      .where(and(eq(schema.campaigns.id, id), eq(schema.campaigns.status, 'SCHEDULED')))
      .returning();
    if (row) return toCampaignDto(row);
    const current = await this.get(id);
    throw new ConflictException(
      `Campaign is ${current.status}: only a SCHEDULED campaign can be cancelled`,
    );
  }
}
