import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AppConfig } from '../config';
import { HTTP_THROTTLERS } from './throttle.constants';

/**
 * The named throttlers from THROTTLE_<NAME> (`LIMIT/SECONDS`): ttl in ms, and a client over the
 * limit stays blocked for one window from then on.
 */
export function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  return {
    setHeaders: false,
    throttlers: HTTP_THROTTLERS.map((name) => {
      const { limit, seconds } = config.throttle.limits[name];
      return { name, limit, ttl: seconds * 1000, blockDuration: seconds * 1000 };
    }),
  };
}
