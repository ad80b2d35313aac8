import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const trimLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

export class UpdateCompanyDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 120, example: 'Swift Parcels' })
  // Absent leaves the name as it is; null is not a name, so it is validated (and rejected).
  @ValidateIf((dto: UpdateCompanyDto) => dto.name !== undefined)
  @Transform(trim)
  @IsString({ message: 'name must be a string' })
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(120, { message: 'name must be at most 120 characters' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true, type: String })
  // null clears the description.
  @ValidateIf((dto: UpdateCompanyDto) => dto.description !== undefined && dto.description !== null)
  @IsString({ message: 'description must be a string or null' })
  @MaxLength(2000, { message: 'description must be at most 2000 characters' })
  description?: string | null;
}

export class CreateInvitationDto {
  @ApiProperty({ example: 'teammate@example.com' })
  @Transform(trimLower)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254, { message: 'email must be at most 254 characters' })
  email: string;
}

export class AcceptInvitationDto {
  @ApiProperty({ description: 'the token from the invitation email' })
  @IsString({ message: 'token must be a string' })
  @IsNotEmpty({ message: 'token must not be empty' })
  @MaxLength(200, { message: 'token must be at most 200 characters' })
  token: string;
}
