import { ApiProperty } from '@nestjs/swagger';

/** The one error body of every HTTP error (see ErrorBody / AllExceptionsFilter). */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', example: 404 })
  statusCode: number;

  @ApiProperty({ description: 'The status text', example: 'Not Found' })
  error: string;

  @ApiProperty({
    description: 'What went wrong: for validation errors (400) a list of readable messages',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Booking not found',
  })
  message: string | string[];
}
