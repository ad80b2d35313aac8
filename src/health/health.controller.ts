import { Controller, Get } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/public.decorator';
import { ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { DatabaseHealth } from '../database';
import { RedisService } from '../redis';
import { HealthResponse, HealthUnavailableResponse } from './health.response';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly redis: RedisService,
    private readonly database: DatabaseHealth,
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

  private async probe<K extends string>(key: K, ping: () => Promise<boolean>) {
    const check = this.indicator.check(key);
    return (await ping()) ? check.up() : check.down();
  }
}
