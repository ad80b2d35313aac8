import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { TIMING_DUMMY_HASH, verifyPassword } from '../auth/password';
import { errorBody } from '../common/error-response';
import { Database, DB, schema } from '../database';

/** A verified admin's credentials are trusted this long without another argon2 verify. */
const VERIFIED_TTL_MS = 60_000;
const MAX_CACHED = 100;
export const QUEUE_DASHBOARD_REALM = 'Parcsal queues';

/**
 * The only gate of /admin/queues. bull-board is an Express router mounted as middleware, so the
 * global JwtGuard and RolesGuard never see its requests; and a browser cannot send a Bearer
 * header when an admin opens the page. So the dashboard asks for HTTP Basic credentials: an
 * ADMIN's email and password, checked against the users table like a login (argon2). The page
 * loads a dozen assets and polls its API, each request carrying the credentials: a successful
 * verification is remembered for a minute (keyed by a hash of the credentials and the stored
 * password hash, so a password change or role change ends it at the next database read).
 * Use it over HTTPS only, like any Basic auth.
 */
@Injectable()
export class QueueDashboardAuthMiddleware implements NestMiddleware {
  private readonly verified = new Map<string, number>();

  constructor(@Inject(DB) private readonly db: Database) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (await this.isAdmin(req.headers.authorization)) return next();
    res.setHeader('WWW-Authenticate', `Basic realm="${QUEUE_DASHBOARD_REALM}", charset="UTF-8"`);
    res.status(401).json(errorBody(401, 'Admin credentials required (HTTP Basic)'));
  }

  private async isAdmin(header: string | undefined): Promise<boolean> {
    const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
    if (!match) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return false;
    const email = decoded.slice(0, colon).trim().toLowerCase();
    const password = decoded.slice(colon + 1);

    const [user] = await this.db
      .select({ role: schema.users.role, passwordHash: schema.users.passwordHash })
      .from(schema.users)
      .where(eq(schema.users.email, email));
    if (!user || user.role !== 'ADMIN') {
      // As long as a real check, so the answer does not tell which emails are admins.
      await verifyPassword(await TIMING_DUMMY_HASH, password);
      return false;
    }
    const key = createHash('sha256')
      .update(`${email}\0${password}\0${user.passwordHash}`)
      .digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;
    if (!(await verifyPassword(user.passwordHash, password))) return false;
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(key, Date.now() + VERIFIED_TTL_MS);
    return true;
  }
}
