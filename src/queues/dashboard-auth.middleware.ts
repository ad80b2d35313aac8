import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { createHmac, randomBytes } from 'node:crypto';
import { CredentialsService } from '../auth/credentials.service';
import { errorBody } from '../common/error-response';
import { RateLimitEnforcer } from '../rate-limit/rate-limit-enforcer';

/**
 * Verified credentials are trusted without another sign-in while the dashboard keeps using them
 * (it polls every few seconds): until they go unused this long.
 */
const VERIFIED_IDLE_MS = 15 * 60_000;
const MAX_CACHED = 100;
export const QUEUE_DASHBOARD_REALM = 'Parcsal queues';

interface Verified {
  passwordHash: string;
  until: number;
}

/**
 * The only gate of /admin/queues. bull-board is an Express router mounted as middleware, so the
 * global guards (JwtGuard, RolesGuard, RateLimitGuard) never see its requests; and a browser
 * cannot send a Bearer header when an admin opens the page. So the dashboard asks for HTTP Basic
 * credentials: an ADMIN's email and password, checked by CredentialsService like POST /auth/login
 * and under the same limits, counted the same way (RateLimitEnforcer.signIn): LOGIN per client IP,
 * LOGIN_EMAIL per target email (failed attempts only), 429 with Retry-After over them, 503 when
 * Redis cannot count them.
 *
 * The page loads a dozen assets and polls its API, each request carrying the credentials: that is
 * one sign-in, not one per request. Credentials once verified are remembered (an HMAC of them
 * under a key of this process, with the password hash they matched) while in use; every request
 * still reads the user, so a password or role change ends them at once.
 * Use it over HTTPS only, like any Basic auth.
 */
@Injectable()
export class QueueDashboardAuthMiddleware implements NestMiddleware {
  private readonly verified = new Map<string, Verified>();
  private readonly cacheKey = randomBytes(32);

  constructor(
    private readonly credentials: CredentialsService,
    private readonly rateLimits: RateLimitEnforcer,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const basic = parseBasic(req.headers.authorization);
    if (!basic) return this.challenge(res);
    const remembered = createHmac('sha256', this.cacheKey)
      .update(`${basic.email}\0${basic.password}`)
      .digest('hex');
    if (await this.stillVerified(remembered, basic.email)) return next();

    const attempt = await this.rateLimits.signIn({ ip: req.ip, body: { email: basic.email } });
    const { verdict } = attempt;
    for (const [header, value] of Object.entries(verdict.headers)) res.setHeader(header, value);
    if (verdict.error) throw verdict.error;

    const user = await this.credentials.verify(basic.email, basic.password);
    // The right password is not a failed attempt, whoever it belongs to.
    await this.rateLimits.signedIn(attempt, user === null);
    if (!user) return this.challenge(res);
    if (user.role !== 'ADMIN') return this.challenge(res);
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(remembered, {
      passwordHash: user.passwordHash,
      until: Date.now() + VERIFIED_IDLE_MS,
    });
    next();
  }

  /** These credentials were verified, are in use, and still match an ADMIN's password hash. */
  private async stillVerified(key: string, email: string): Promise<boolean> {
    const entry = this.verified.get(key);
    if (!entry) return false;
    const user = entry.until > Date.now() ? await this.credentials.account(email) : undefined;
    if (user?.role !== 'ADMIN' || user.passwordHash !== entry.passwordHash) {
      this.verified.delete(key);
      return false;
    }
    entry.until = Date.now() + VERIFIED_IDLE_MS;
    return true;
  }

  private challenge(res: Response): void {
    res.setHeader('WWW-Authenticate', `Basic realm="${QUEUE_DASHBOARD_REALM}", charset="UTF-8"`);
    res.status(401).json(errorBody(401, 'Admin credentials required (HTTP Basic)'));
  }
}

/** `Authorization: Basic base64(email:password)`, the email normalised as LoginDto does. */
function parseBasic(header: string | undefined): { email: string; password: string } | null {
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  const email = decoded.slice(0, colon).trim().toLowerCase();
  return email ? { email, password: decoded.slice(colon + 1) } : null;
}
