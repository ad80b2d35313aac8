import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthProbesModule } from './health-probes.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), HealthProbesModule],
  controllers: [HealthController],
})
export class HealthModule {}
