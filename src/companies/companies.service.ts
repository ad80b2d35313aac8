import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { eq, sql, SQL } from 'drizzle-orm';
import type { AuthUser } from '../auth/auth-user';
import { CompanyChangedEvent, DomainEvent, DomainEvents } from '../events/domain-events';
import { DB, Database, DbExecutor, schema } from '../database';
import { isUniqueViolation } from '../users/users.service';
import { slugify, slugWithSuffix } from './company-slug';
import { CompanyProfile } from './dto/company.response';
import { UpdateCompanyDto } from './dto/companies.dto';

export type CompanyRow = typeof schema.companies.$inferSelect;
export type CompanyPlan = CompanyRow['activePlan'];

export { CompanyProfile };

interface ProfileRow extends Record<string, unknown> {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  activePlan: CompanyPlan;
  adminId: string | null;
  adminName: string | null;
  shipmentsCount: number;
  bookingsCount: number;
  rating: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class CompaniesService {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Creates a company with a unique slug derived from its name. Runs inside the caller's
   * transaction (registration creates the owner and the company together); a savepoint keeps
   * a slug collision from aborting that transaction.
   */
  async create(executor: DbExecutor, name: string): Promise<CompanyRow> {
    for (const slug of [slugify(name), slugWithSuffix(name), slugWithSuffix(name)]) {
      try {
        return await executor.transaction(async (savepoint) => {
          const [company] = await savepoint
            .insert(schema.companies)
            .values({ name, slug })
            .returning();
          return company;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new Error(`could not find a free slug for company "${name}"`);
  }

  async findById(id: string, executor: DbExecutor = this.db): Promise<CompanyRow | undefined> {
    const [company] = await executor
      .select()
      .from(schema.companies)
      .where(eq(schema.companies.id, id))
      .limit(1);
    return company;
  }

  /** 404 unless the company exists. */
  async requireById(id: string, executor: DbExecutor = this.db): Promise<CompanyRow> {
    const company = await this.findById(id, executor);
    if (!company) throw new NotFoundException('Company not found');
    return company;
  }

  /** A UUID is an id, anything else a slug; 404 when neither matches. One query. */
  async profile(idOrSlug: string): Promise<CompanyProfile> {
    const where = UUID.test(idOrSlug)
      ? sql`c.id = ${idOrSlug.toLowerCase()}`
      : sql`c.slug = ${idOrSlug.toLowerCase()}`;
    const profile = await this.loadProfile(where);
    if (!profile) throw new NotFoundException('Company not found');
    return profile;
  }

  /**
   * The company must exist (404) and the caller be its OWNER (403 for its members, other
   * companies' users, customers and admins).
   */
  async requireOwner(user: AuthUser, companyId: string): Promise<CompanyRow> {
    const company = await this.requireById(companyId);
    if (user.role !== 'COMPANY' || user.companyId !== company.id || user.companyRole !== 'OWNER') {
      throw new ForbiddenException("Only the company's owner can do this");
    }
    return company;
  }

  /** Name and description only: the slug stays stable so links keep working after a rename. */
  async update(user: AuthUser, companyId: string, dto: UpdateCompanyDto): Promise<CompanyProfile> {
    await this.requireOwner(user, companyId);
    const changes: Partial<Pick<CompanyRow, 'name' | 'description'>> = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.description !== undefined) changes.description = dto.description;
    const [updated] = await this.db
      .update(schema.companies)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(schema.companies.id, companyId))
      .returning({ id: schema.companies.id, slug: schema.companies.slug });
    if (!updated) throw new NotFoundException('Company not found');
    const event: CompanyChangedEvent = { companyId: updated.id, slug: updated.slug };
    await this.events.emit(DomainEvent.CompanyChanged, event);
    return this.profile(updated.id);
  }

  private async loadProfile(where: SQL): Promise<CompanyProfile | undefined> {
    const { rows } = await this.db.execute<ProfileRow>(sql`
      SELECT c.id, c.slug, c.name, c.description, c.active_plan AS "activePlan",
             owner.id AS "adminId", owner.name AS "adminName",
             (SELECT count(*)::int FROM shipments s WHERE s.company_id = c.id) AS "shipmentsCount",
             (SELECT count(*)::int FROM bookings b WHERE b.company_id = c.id) AS "bookingsCount",
             (SELECT round(avg(r.rating), 2)::float8 FROM reviews r WHERE r.company_id = c.id)
               AS rating
      FROM companies c
      LEFT JOIN LATERAL (
        SELECT u.id, u.name FROM users u
        WHERE u.company_id = c.id AND u.role = 'COMPANY' AND u.company_role = 'OWNER'
        ORDER BY u.created_at
        LIMIT 1
      ) owner ON true
      WHERE ${where}
    `);
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description,
      activePlan: row.activePlan,
      admin: row.adminId ? { id: row.adminId, name: row.adminName ?? '' } : null,
      stats: {
        shipmentsCount: Number(row.shipmentsCount),
        bookingsCount: Number(row.bookingsCount),
        rating: row.rating === null ? null : Number(row.rating),
      },
    };
  }
}
