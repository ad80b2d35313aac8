import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ClientInfo } from './accounts.service';

/**
 * User agent and client IP of the request. `req.ip` follows Express's numeric `trust proxy`,
 * set from TRUST_PROXY in configureApp: X-Forwarded-For is ignored unless proxies are trusted.
 */
export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientInfo => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const userAgent = req.headers['user-agent'];
  return {
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : '',
    ip: req.ip ?? 'unknown',
  };
});
