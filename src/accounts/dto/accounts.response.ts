import { ApiProperty } from '@nestjs/swagger';
import { DateTimeProperty, IdProperty } from '../../common/openapi/api-property';
import { CompanyIdentity } from '../../companies/dto/company.response';
import { PublicUser } from '../../users/user.view';

export class AuthTokens {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer …` (JWT_ACCESS_TTL)' })
  accessToken: string;

  @ApiProperty({ description: 'JWT for POST /auth/refresh-token; works once (rotation)' })
  refreshToken: string;
}

export class AuthSession extends AuthTokens {
  @ApiProperty({ type: PublicUser })
  user: PublicUser;
}

/** The company as registration creates it. */
export class RegisteredCompany extends CompanyIdentity {
  // Dates: the row's, sent as ISO-8601 strings.
  @DateTimeProperty()
  createdAt: Date;

  @DateTimeProperty()
  updatedAt: Date;
}

export class CompanyRegistration extends AuthSession {
  @ApiProperty({ type: RegisteredCompany })
  company: RegisteredCompany;
}

/** A signed-in session (device) of the user. */
export class SessionView {
  @IdProperty()
  id: string;

  @ApiProperty()
  userAgent: string;

  @ApiProperty()
  ip: string;

  @DateTimeProperty()
  createdAt: string;

  @DateTimeProperty()
  lastSeenAt: string;

  @ApiProperty({ description: 'true for the session of the token making this request' })
  current: boolean;
}
