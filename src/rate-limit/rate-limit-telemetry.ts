import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';

/** At most one warning per limit per this interval while its storage keeps failing. */
const WARN_INTERVAL_MS = 10_000;

/** Metrics and rate-limited warnings of the limiter. */
@Injectable()
export class RateLimitTelemetry {
  private readonly logger = new Logger('RateLimit');
  private readonly refusedTotal;
  private readonly storageErrorsTotal;
  private readonly lastWarning = new Map<string, { at: number; suppressed: number }>();

  constructor(metrics: MetricsService) {
    this.refusedTotal = metrics.counter(
      'parcsal_throttled_requests_total',
      'Requests refused with 429 (or chat messages refused) by rate limit',
      ['throttler'],
    );
    this.storageErrorsTotal = metrics.counter(
      'parcsal_throttle_storage_errors_total',
      'Rate-limit checks that could not reach Redis',
      ['throttler'],
    );
  }

  refused(name: string): void {
    this.refusedTotal.inc({ throttler: name });
  }

  storageError(name: string, error: unknown): void {
    this.storageErrorsTotal.inc({ throttler: name });
    const now = Date.now();
    const last = this.lastWarning.get(name);
    if (last && now - last.at < WARN_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    const more = last?.suppressed ? ` (${last.suppressed} more since the last warning)` : '';
    this.logger.warn(
      `Rate-limit storage unavailable for ${name}: ${(error as Error)?.message ?? String(error)}${more}`,
    );
    this.lastWarning.set(name, { at: now, suppressed: 0 });
  }
}
