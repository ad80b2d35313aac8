import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** The registry, for every process (API and worker). The HTTP side lives in HttpMetricsModule. */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
