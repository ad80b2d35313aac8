import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { MetricsService } from './metrics.service';

/**
 * Request count and latency by route pattern and status, for every request the HTTP server
 * answers (guards' 401/429, body errors and the queue dashboard included).
 */
@Injectable()
export class HttpMetrics {
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

  /** Counts each response once it is sent (a Fastify `onResponse` hook on the root instance). */
  observe(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      // The route pattern, never the raw URL: ids would explode the label set. A request no
      // route matched has no pattern.
      const route = request.is404 ? undefined : request.routeOptions.url;
      const labels = { method: request.method, route: route ?? 'unmatched' };
      this.duration.observe(labels, reply.elapsedTime / 1000);
      this.requests.inc({ ...labels, status: String(reply.statusCode) });
      done();
    });
  }
}
