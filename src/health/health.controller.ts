import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/public.decorator';
import { DatabaseHealth } from '../database';
import { RedisService } from '../redis';
import { notReadyReason, Readiness, ReadinessService } from './readiness.service';

const CHECKS_SCHEMA = {
  type: 'object',
  properties: {
    database: { type: 'string', enum: ['up', 'down'] },
    redis: { type: 'string', enum: ['up', 'down'] },
    queue: { type: 'string', enum: ['up', 'down'] },
  },
};

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
  @HealthCheck()
  check() {
    return this.health.check([
      async () => this.probe('redis', () => this.redis.ping()),
      async () => this.probe('database', () => this.database.ping()),
    ]);
  }

  @Public()
  @SkipThrottle()
  @Get('live')
  @ApiOperation({
    summary: 'Liveness probe',
    description:
      'The process is running and answering HTTP. Never checks Redis or the database: restart the process only when this fails. Not rate-limited.',
  })
  @ApiOkResponse({
    description: 'The process is alive.',
    schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @SkipThrottle()
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness probe',
    description:
      'This process can serve: the database, Redis and the queue connection answer and it is not draining after SIGTERM. Send traffic only while this is 200. Not rate-limited.',
  })
  @ApiOkResponse({
    description: 'Ready to serve.',
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] }, checks: CHECKS_SCHEMA },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down, or the process is draining (shutting down).',
    schema: {
      type: 'object',
      properties: {
        statusCode: { type: 'number', example: 503 },
        error: { type: 'string', example: 'Service Unavailable' },
        message: { type: 'string', example: 'not ready: draining' },
        status: { type: 'string', enum: ['draining', 'unavailable'] },
        checks: CHECKS_SCHEMA,
      },
    },
  })
  async ready(): Promise<{ status: 'ok'; checks: Readiness['checks'] }> {
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
