import { Module } from '@nestjs/common';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';

/** GET /metrics, and the HTTP metrics configureApp installs on the server (see HttpMetrics). */
@Module({ controllers: [MetricsController], providers: [HttpMetrics], exports: [HttpMetrics] })
export class HttpMetricsModule {}
