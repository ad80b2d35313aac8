import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/public.decorator';
import { ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { DatabaseHealth } from '../database';
import { RedisService } from '../redis';
import {
  HealthResponse,
  HealthUnavailableResponse,
  LivenessResponse,
  NotReadyResponse,
  ReadinessResponse,
} from './health.response';
import { notReadyReason, ReadinessService } from './readiness.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly redis: RedisService,
    private readonly database: DatabaseHealth,
    private readonly readiness: ReadinessService,
  ) {}

  /** 200 `{status: "ok"}` when Redis and the database answer, else 503. */
  @Public()
  @SkipThrottle()
  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @Summary('Whether Redis and the database answer')
  @ApiOk(HealthResponse)
  @ApiServiceUnavailableResponse({
    description: 'Redis or the database does not answer',
    type: HealthUnavailableResponse,
  })
  checkHealth() {
    return this.health.check([
      async () => this.probe('redis', () => this.redis.ping()),
      async () => this.probe('database', () => this.database.ping()),
    ]);
  }

  @Public()
  @SkipThrottle()
  @Get('live')
  @Summary(
    'Liveness probe',
    'The process is running and answering HTTP. Never checks Redis or the database: restart the process only when this fails. Not rate-limited.',
  )
  @ApiOk(LivenessResponse, 'The process is alive.')
  checkLiveness(): LivenessResponse {
    return { status: 'ok' };
  }

  @Public()
  @SkipThrottle()
  @Get('ready')
  @Summary(
    'Readiness probe',
    'This process can serve: the database, Redis and the queue connection answer and it is not draining after SIGTERM. Send traffic only while this is 200. Not rate-limited.',
  )
  @ApiOk(ReadinessResponse, 'Ready to serve.')
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down, or the process is draining (shutting down).',
    type: NotReadyResponse,
  })
  async checkReadiness(): Promise<ReadinessResponse> {
    const readiness = await this.readiness.check();
    if (readiness.ready) return { status: 'ok', checks: readiness.checks };
    throw new ServiceUnavailableException({
      message: `not ready: ${notReadyReason(readiness)}`,
      status: readiness.draining ? 'draining' : 'unavailable',
      checks: readiness.checks,
    });
  }

  private async probe<K extends string>(key: K, ping: () => Promise<boolean>) {
    const check = this.indicator.check(key);
    return (await ping()) ? check.up() : check.down();
  }
}
