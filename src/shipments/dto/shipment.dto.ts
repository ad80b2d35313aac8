import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination.dto';
import {
  DATE_TIME_SCHEMA,
  IsDateTime,
  NotBefore,
} from '../../common/validators/date-time.validators';
import { MaxDecimals } from '../../common/validators/max-decimals.validator';

export const SHIPMENT_MODES = ['ROAD', 'AIR', 'SEA', 'RAIL'] as const;
export type ShipmentMode = (typeof SHIPMENT_MODES)[number];

export const MAX_CAPACITY_KG = 1_000_000;
export const MAX_PRICE_PER_KG_CENTS = 10_000_000;

/** Printable text: PostgreSQL refuses NUL bytes, and control characters are no place name. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** In a query string an empty parameter means "no filter". */
const trimOrAbsent = ({ value }: { value: unknown }) => {
  const trimmed = trim({ value });
  return trimmed === '' ? undefined : trimmed;
};
/** Validates a PATCH field only when sent; null is sent, so it is validated (and refused). */
const whenSent = (field: string) =>
  ValidateIf((dto: Record<string, unknown>) => dto[field] !== undefined);

const PLACE = { minLength: 1, maxLength: 100, example: 'Lyon' };
const placeMessages = (field: string) => ({
  string: { message: `${field} must be a string` },
  length: { message: `${field} must be 1 to 100 characters` },
  printable: { message: `${field} must not contain control characters` },
});
const CAPACITY = {
  number: {
    message: 'capacityKg must be a number of kilograms with at most 3 decimals',
  },
  min: { message: 'capacityKg must be greater than 0 (at least 0.001)' },
  max: { message: `capacityKg must be at most ${MAX_CAPACITY_KG}` },
};
const PRICE = {
  int: { message: 'pricePerKgCents must be an integer number of cents' },
  min: { message: 'pricePerKgCents must not be negative' },
  max: { message: `pricePerKgCents must be at most ${MAX_PRICE_PER_KG_CENTS}` },
};
const MODE = { message: `mode must be one of ${SHIPMENT_MODES.join(', ')}` };
const KG_NUMBER = { allowNaN: false, allowInfinity: false };
/** Kilograms: grams are the finest unit (numeric(12,3) in the database). */
export const KG_DECIMALS = 3;
const KG_SCHEMA = {
  type: 'number',
  minimum: 0.001,
  maximum: MAX_CAPACITY_KG,
  multipleOf: 0.001,
  description: 'kilograms, at most 3 decimals',
} as const;
const PRICE_SCHEMA = {
  type: 'integer',
  minimum: 0,
  maximum: MAX_PRICE_PER_KG_CENTS,
  description: 'integer cents per kilogram',
} as const;

export class CreateShipmentDto {
  @ApiProperty(PLACE)
  @Transform(trim)
  @IsString(placeMessages('origin').string)
  @Length(1, 100, placeMessages('origin').length)
  @Matches(NO_CONTROL_CHARACTERS, placeMessages('origin').printable)
  origin: string;

  @ApiProperty({ ...PLACE, example: 'Berlin' })
  @Transform(trim)
  @IsString(placeMessages('destination').string)
  @Length(1, 100, placeMessages('destination').length)
  @Matches(NO_CONTROL_CHARACTERS, placeMessages('destination').printable)
  destination: string;

  @ApiProperty(DATE_TIME_SCHEMA)
  @IsDateTime()
  departureAt: string;

  @ApiPropertyOptional({ ...DATE_TIME_SCHEMA, nullable: true })
  @IsOptional()
  @IsDateTime()
  @NotBefore('departureAt')
  arrivalAt?: string | null;

  @ApiProperty({ ...KG_SCHEMA, example: 500 })
  @IsNumber(KG_NUMBER, CAPACITY.number)
  @MaxDecimals(KG_DECIMALS, CAPACITY.number)
  @Min(0.001, CAPACITY.min)
  @Max(MAX_CAPACITY_KG, CAPACITY.max)
  capacityKg: number;

  @ApiProperty({ ...PRICE_SCHEMA, example: 250 })
  @IsInt(PRICE.int)
  @Min(0, PRICE.min)
  @Max(MAX_PRICE_PER_KG_CENTS, PRICE.max)
  pricePerKgCents: number;

  @ApiProperty({ enum: SHIPMENT_MODES })
  @IsIn(SHIPMENT_MODES, MODE)
  mode: ShipmentMode;
}

/** Any subset of the creation fields; `arrivalAt: null` clears the arrival time. */
export class UpdateShipmentDto {
  @ApiPropertyOptional(PLACE)
  @whenSent('origin')
  @Transform(trim)
  @IsString(placeMessages('origin').string)
  @Length(1, 100, placeMessages('origin').length)
  @Matches(NO_CONTROL_CHARACTERS, placeMessages('origin').printable)
  origin?: string;

  @ApiPropertyOptional({ ...PLACE, example: 'Berlin' })
  @whenSent('destination')
  @Transform(trim)
  @IsString(placeMessages('destination').string)
  @Length(1, 100, placeMessages('destination').length)
  @Matches(NO_CONTROL_CHARACTERS, placeMessages('destination').printable)
  destination?: string;

  @ApiPropertyOptional(DATE_TIME_SCHEMA)
  @whenSent('departureAt')
  @IsDateTime()
  departureAt?: string;

  @ApiPropertyOptional({ ...DATE_TIME_SCHEMA, nullable: true })
  @IsOptional()
  @IsDateTime()
  @NotBefore('departureAt')
  arrivalAt?: string | null;

  @ApiPropertyOptional(KG_SCHEMA)
  @whenSent('capacityKg')
  @IsNumber(KG_NUMBER, CAPACITY.number)
  @MaxDecimals(KG_DECIMALS, CAPACITY.number)
  @Min(0.001, CAPACITY.min)
  @Max(MAX_CAPACITY_KG, CAPACITY.max)
  capacityKg?: number;

  @ApiPropertyOptional(PRICE_SCHEMA)
  @whenSent('pricePerKgCents')
  @IsInt(PRICE.int)
  @Min(0, PRICE.min)
  @Max(MAX_PRICE_PER_KG_CENTS, PRICE.max)
  pricePerKgCents?: number;

  @ApiPropertyOptional({ enum: SHIPMENT_MODES })
  @whenSent('mode')
  @IsIn(SHIPMENT_MODES, MODE)
  mode?: ShipmentMode;
}

export class SearchShipmentsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'exact origin, case-insensitive', example: 'Lyon' })
  @IsOptional()
  @Transform(trimOrAbsent)
  @IsString(placeMessages('origin').string)
  @Length(1, 100, placeMessages('origin').length)
  @Matches(NO_CONTROL_CHARACTERS, placeMessages('origin').printable)
  origin?: string;

  @ApiPropertyOptional({ description: 'exact destination, case-insensitive', example: 'Berlin' })
  @IsOptional()
  @Transform(trimOrAbsent)
  @IsString(placeMessages('destination').string)
  @Length(1, 100, placeMessages('destination').length)
  @Matches(NO_CONTROL_CHARACTERS, placeMessages('destination').printable)
  destination?: string;

  @ApiPropertyOptional({
    ...DATE_TIME_SCHEMA,
    description: `departing at or after (default: now, so departed shipments are hidden); ${DATE_TIME_SCHEMA.description}`,
  })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({
    ...DATE_TIME_SCHEMA,
    description: `departing at or before; ${DATE_TIME_SCHEMA.description}`,
  })
  @IsOptional()
  @IsDateTime()
  @NotBefore('from')
  to?: string;

  @ApiPropertyOptional({
    ...KG_SCHEMA,
    minimum: 0,
    description: 'at least this many kilograms still free (at most 3 decimals)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber(KG_NUMBER, { message: 'minAvailableKg must be a number' })
  @MaxDecimals(KG_DECIMALS, { message: 'minAvailableKg must have at most 3 decimals' })
  @Min(0, { message: 'minAvailableKg must not be negative' })
  @Max(MAX_CAPACITY_KG, { message: `minAvailableKg must be at most ${MAX_CAPACITY_KG}` })
  minAvailableKg?: number;

  @ApiPropertyOptional({ enum: SHIPMENT_MODES })
  @IsOptional()
  @IsIn(SHIPMENT_MODES, MODE)
  mode?: ShipmentMode;
}
