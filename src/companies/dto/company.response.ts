import { ApiProperty } from '@nestjs/swagger';
import { CountProperty, DateTimeProperty, IdProperty } from '../../common/openapi/api-property';
import * as schema from '../../database/schema';
import { PublicUser } from '../../users/user.view';

export class CompanyAdmin {
  @IdProperty()
  id: string;

  @ApiProperty()
  name: string;
}

export class CompanyStats {
  @CountProperty()
  shipmentsCount: number;

  @CountProperty()
  bookingsCount: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 5,
    description: 'Average review rating (2 decimals); null without reviews',
  })
  rating: number | null;
}

/** What every view of a company shows. */
export class CompanyIdentity {
  @IdProperty()
  id: string;

  @ApiProperty({ example: 'swift-parcels' })
  slug: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ enum: schema.companyPlan.enumValues })
  activePlan: (typeof schema.companyPlan.enumValues)[number];
}

/** The public profile of a company (GET /companies/:id). */
export class CompanyProfile extends CompanyIdentity {
  @ApiProperty({
    type: CompanyAdmin,
    nullable: true,
    description: "The company's OWNER; null only if it has none (never through the API)",
  })
  admin: CompanyAdmin | null;

  @ApiProperty({ type: CompanyStats })
  stats: CompanyStats;
}

export class InvitationView {
  @IdProperty()
  id: string;

  @IdProperty()
  companyId: string;

  @ApiProperty({ format: 'email' })
  email: string;

  @DateTimeProperty()
  expiresAt: string;

  @DateTimeProperty()
  createdAt: string;
}

export class InvitationAcceptance {
  @ApiProperty({ type: PublicUser, description: 'The user, now a MEMBER of the company' })
  user: PublicUser;

  @ApiProperty({ type: CompanyProfile })
  company: CompanyProfile;
}
