import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/public.decorator';
import { DatabaseHealth } from '../database';
import { RedisService } from '../redis';

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
  @HealthCheck()
  check() {
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
