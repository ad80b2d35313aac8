import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Request count and latency by route pattern and status (guards' 401/429 included). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly requests;
  private readonly duration;

  constructor(metrics: MetricsService) {
    this.requests = metrics.counter('parcsal_http_requests_total', 'HTTP requests', [
      'method',
      'route',
      'status',
    ]);
    this.duration = metrics.histogram(
      'parcsal_http_request_duration_seconds',
      'HTTP request latency',
      ['method', 'route'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = this.duration.startTimer();
    res.on('finish', () => {
      // The route pattern, never the raw URL: ids would explode the label set.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const labels = { method: req.method, route: `${req.baseUrl}${route}` };
      stop(labels);
      this.requests.inc({ ...labels, status: String(res.statusCode) });
    });
    next();
  }
}
