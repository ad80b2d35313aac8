import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class EmailPreferencesDto {
  @ApiProperty({
    description:
      'Receive marketing campaigns. Transactional emails (bookings, invitations, security) are ' +
      'always sent.',
  })
  @IsBoolean()
  marketing: boolean;
}

export class UnsubscribeQueryDto {
  @ApiProperty({ description: 'The signed token from the unsubscribe link of an email' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;
}
