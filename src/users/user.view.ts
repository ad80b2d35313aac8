import { ApiProperty } from '@nestjs/swagger';
import type { CompanyRole, UserRole } from '../auth/auth-user';
import { CountProperty, DateTimeProperty, IdProperty } from '../common/openapi/api-property';
import * as schema from '../database/schema';

/** The user object of every response: never the password hash. */
export class PublicUser {
  @IdProperty()
  id: string;

  @ApiProperty({ format: 'email' })
  email: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: schema.userRole.enumValues })
  role: UserRole;

  @IdProperty({ nullable: true, description: 'null unless role is COMPANY' })
  companyId: string | null;

  @ApiProperty({
    enum: schema.companyRole.enumValues,
    nullable: true,
    description: 'null unless role is COMPANY',
  })
  companyRole: CompanyRole | null;

  @DateTimeProperty()
  createdAt: string;
}

/** Booking figures of a customer, or of a company user's company. */
export class UserStats {
  @CountProperty()
  bookingsCount: number;

  @CountProperty()
  deliveredCount: number;

  @CountProperty({ required: false, description: 'customers: succeeded payments, in cents' })
  spentCents?: number;

  @CountProperty({ required: false, description: "company users: the company's revenue, cents" })
  revenueCents?: number;

  @CountProperty({ required: false, description: "company users: the company's shipments" })
  shipmentsCount?: number;
}

export class UserProfile extends PublicUser {
  @ApiProperty({ type: UserStats })
  stats: UserStats;
}
