import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  isISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination.dto';

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

/**
 * An ISO-8601 date-time that is also a real instant: class-validator's IsISO8601 alone lets
 * week dates and basic formats through ("2030-W01", "20300101") that Date cannot read.
 */
function IsDateTime(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDateTime',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          isISO8601(value, { strict: true }) &&
          !Number.isNaN(Date.parse(value)),
      },
    });
}

/** The date-time must not be earlier than the one in `property` (when both are valid). */
function NotBefore(property: string, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'notBefore',
      target: object.constructor,
      propertyName,
      constraints: [property],
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const other = (args.object as Record<string, unknown>)[property];
          if (typeof value !== 'string' || typeof other !== 'string') return true;
          const [mine, theirs] = [Date.parse(value), Date.parse(other)];
          return Number.isNaN(mine) || Number.isNaN(theirs) || mine >= theirs;
        },
      },
    });
}

const PLACE = { minLength: 1, maxLength: 100, example: 'Lyon' };
const placeMessages = (field: string) => ({
  string: { message: `${field} must be a string` },
  length: { message: `${field} must be 1 to 100 characters` },
  printable: { message: `${field} must not contain control characters` },
});
const DATE = (field: string) => ({
  message: `${field} must be an ISO-8601 date-time, e.g. 2030-01-31T08:00:00Z`,
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
const KG_NUMBER = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 3 };

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

  @ApiProperty({ format: 'date-time', example: '2030-01-31T08:00:00Z' })
  @IsDateTime(DATE('departureAt'))
  departureAt: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String })
  @IsOptional()
  @IsDateTime(DATE('arrivalAt'))
  @NotBefore('departureAt', { message: 'arrivalAt must not be before departureAt' })
  arrivalAt?: string | null;

  @ApiProperty({ minimum: 0.001, maximum: MAX_CAPACITY_KG, example: 500 })
  @IsNumber(KG_NUMBER, CAPACITY.number)
  @Min(0.001, CAPACITY.min)
  @Max(MAX_CAPACITY_KG, CAPACITY.max)
  capacityKg: number;

  @ApiProperty({ minimum: 0, maximum: MAX_PRICE_PER_KG_CENTS, example: 250 })
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

  @ApiPropertyOptional({ format: 'date-time' })
  @whenSent('departureAt')
  @IsDateTime(DATE('departureAt'))
  departureAt?: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String })
  @IsOptional()
  @IsDateTime(DATE('arrivalAt'))
  @NotBefore('departureAt', { message: 'arrivalAt must not be before departureAt' })
  arrivalAt?: string | null;

  @ApiPropertyOptional({ minimum: 0.001, maximum: MAX_CAPACITY_KG })
  @whenSent('capacityKg')
  @IsNumber(KG_NUMBER, CAPACITY.number)
  @Min(0.001, CAPACITY.min)
  @Max(MAX_CAPACITY_KG, CAPACITY.max)
  capacityKg?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE_PER_KG_CENTS })
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

  @ApiPropertyOptional({ format: 'date-time', description: 'departing at or after' })
  @IsOptional()
  @IsDateTime(DATE('from'))
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'departing at or before' })
  @IsOptional()
  @IsDateTime(DATE('to'))
  @NotBefore('from', { message: 'to must not be before from' })
  to?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'at least this much capacity still free' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'minAvailableKg must be a number' },
  )
  @Min(0, { message: 'minAvailableKg must not be negative' })
  @Max(MAX_CAPACITY_KG, { message: `minAvailableKg must be at most ${MAX_CAPACITY_KG}` })
  minAvailableKg?: number;

  @ApiPropertyOptional({ enum: SHIPMENT_MODES })
  @IsOptional()
  @IsIn(SHIPMENT_MODES, MODE)
  mode?: ShipmentMode;
}
