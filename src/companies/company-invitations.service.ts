import {
  ConflictException,
  ForbiddenException,
  GoneException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { createHash, randomBytes } from 'node:crypto';
import type { AuthUser } from '../auth/auth-user';
import { UserFactsStore } from '../auth/user-facts.store';
import { DomainEvent, DomainEvents, UserChangedEvent } from '../events/domain-events';
import { DB, Database, schema } from '../database';
import { EmailEvent } from '../email/email-event';
import { EmailOutbox } from '../email/email-outbox';
import { PublicUser, toPublicUser } from '../users/users.service';
import { CompaniesService, CompanyProfile } from './companies.service';
import { InvitationView } from './dto/company.response';

/** How long an invitation can be accepted. */
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export { InvitationView };

/** Only the token's hash is stored: a database leak does not hand out team seats. */
export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

@Injectable()
export class CompanyInvitationsService {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly companies: CompaniesService,
    private readonly outbox: EmailOutbox,
    private readonly events: DomainEvents,
    private readonly userFacts: UserFactsStore,
  ) {}

  /** The owner invites an email address; the token travels only in the email. */
  async invite(owner: AuthUser, companyId: string, email: string): Promise<InvitationView> {
    const company = await this.companies.requireOwner(owner, companyId);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    const invitation = await this.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(schema.companyInvitations)
        .values({
          companyId: company.id,
          email,
          tokenHash: hashInvitationToken(token),
          invitedById: owner.id,
          expiresAt,
        })
        .returning();
      await this.outbox.record(tx, {
        event: EmailEvent.CompanyInvitation,
        to: email,
        payload: {
          companyName: company.name,
          inviterName: owner.name,
          token,
          expiresAt: expiresAt.toISOString(),
        },
      });
      return created;
    });
    return {
      id: invitation.id,
      companyId: invitation.companyId,
      email: invitation.email,
      expiresAt: invitation.expiresAt.toISOString(),
      createdAt: invitation.createdAt.toISOString(),
    };
  }

  /**
   * The signed-in user joins the inviting company as a MEMBER. The invitation is claimed with a
   * conditional UPDATE, so of two concurrent accepts of one token exactly one wins; the user is
   * moved with another one, so a user who joined a company meanwhile is refused. The user's
   * facts record in Redis (what the guard serves) is rewritten before this returns.
   */
  async accept(
    user: AuthUser,
    token: string,
  ): Promise<{ user: PublicUser; company: CompanyProfile }> {
    if (user.role === 'ADMIN') throw new ForbiddenException('Admins cannot join a company');
    const tokenHash = hashInvitationToken(token);
    const { companyInvitations: invitations, users } = schema;
    const { joined: member, companyId } = await this.db.transaction(async (tx) => {
      const [invitation] = await tx
        .select()
        .from(invitations)
        .where(eq(invitations.tokenHash, tokenHash))
        .limit(1);
      if (!invitation) throw new NotFoundException('Invitation not found');
      if (invitation.acceptedAt) throw new ConflictException('Invitation was already accepted');
      if (invitation.expiresAt.getTime() <= Date.now())
        throw new GoneException('Invitation has expired');
      if (user.role !== 'CUSTOMER' || user.companyId)
        throw new ConflictException('You are already a member of a company');

      const now = new Date();
      const [claimed] = await tx
        .update(invitations)
        .set({ acceptedAt: now, acceptedById: user.id })
        .where(
          and(
            eq(invitations.id, invitation.id),
            isNull(invitations.acceptedAt),
            gt(invitations.expiresAt, now),
          ),
        )
        .returning({ id: invitations.id });
      if (!claimed) throw new ConflictException('Invitation was already accepted');

      const [joined] = await tx
        .update(users)
        .set({ role: 'COMPANY', companyId: invitation.companyId, companyRole: 'MEMBER' })
        .where(and(eq(users.id, user.id), eq(users.role, 'CUSTOMER'), isNull(users.companyId)))
        .returning();
      // Throwing rolls the claim back: the invitation stays usable by someone else.
      if (!joined) throw new ConflictException('You are already a member of a company');
      // Before the commit: if Redis fails here the change is rolled back, never half made.
      await this.userFacts.forget(user.id);
      return { joined, companyId: invitation.companyId };
    });
    // Every session of the user (on every API process) is a MEMBER from its next request on.
    await this.userFacts.replace(member);
    const event: UserChangedEvent = { userId: member.id, companyId };
    await this.events.emit(DomainEvent.UserChanged, event);
    return { user: toPublicUser(member), company: await this.companies.profile(companyId) };
  }
}
