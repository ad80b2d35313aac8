import { Injectable } from '@nestjs/common';
import { DbExecutor, schema } from '../database';
import { isUniqueViolation } from '../users/users.service';
import { slugify, slugWithSuffix } from './company-slug';

export type CompanyRow = typeof schema.companies.$inferSelect;

@Injectable()
export class CompaniesService {
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
}
