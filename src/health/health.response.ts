import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { HealthCheckStatus, HealthIndicatorResult } from '@nestjs/terminus';
import { ErrorResponse } from '../common/openapi/error-response.dto';
import type { CheckState, Readiness } from './readiness.service';

/** Per dependency (`redis`, `database`): `{status: "up" | "down"}`. */
const INDICATOR: SchemaObject = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  required: ['status'],
};
const indicators = (options: { required?: boolean; description?: string } = {}) =>
  ApiProperty({
    type: 'object',
    additionalProperties: INDICATOR,
    ...options,
  } as ApiPropertyOptions);

export class HealthResponse {
  @ApiProperty({ enum: ['ok'] })
  status: HealthCheckStatus;

  @indicators({ required: false, description: 'The dependencies that are up' })
  info?: Partial<HealthIndicatorResult>;

  @indicators({ required: false, description: 'The dependencies that are down' })
  error?: Partial<HealthIndicatorResult>;

  @indicators({ description: 'Every dependency' })
  details: HealthIndicatorResult;
}

/** 503: the error shape plus the health report (whose `error` field the shape overrides). */
export class HealthUnavailableResponse extends ErrorResponse {
  @ApiProperty({ enum: ['error', 'shutting_down'] })
  status: HealthCheckStatus;

  @indicators({ required: false })
  info?: Partial<HealthIndicatorResult>;

  @indicators()
  details: HealthIndicatorResult;
}

export class LivenessResponse {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

const CHECK = { enum: ['up', 'down'] };

/** Readiness of each dependency of this process. */
export class ReadinessChecks {
  @ApiProperty(CHECK) database: CheckState;
  @ApiProperty(CHECK) redis: CheckState;
  @ApiProperty(CHECK) queue: CheckState;
}

export class ReadinessResponse {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';

  @ApiProperty({ type: ReadinessChecks })
  checks: Readiness['checks'];
}

/** 503 from the readiness probe: the error shape plus why and each dependency's state. */
export class NotReadyResponse extends ErrorResponse {
  @ApiProperty({ enum: ['draining', 'unavailable'] })
  status: 'draining' | 'unavailable';

  @ApiProperty({ type: ReadinessChecks })
  checks: Readiness['checks'];
}
