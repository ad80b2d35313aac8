import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { HealthCheckStatus, HealthIndicatorResult } from '@nestjs/terminus';
import { ErrorResponse } from '../common/openapi/error-response.dto';

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
