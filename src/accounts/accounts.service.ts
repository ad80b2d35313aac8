import { Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  DomainEvent,
  DomainEvents,
  SessionsRevokedEvent,
  UserRegisteredEvent,
} from '../events/domain-events';
import { CompaniesService, CompanyRow } from '../companies/companies.service';
import { DB, Database } from '../database';
import { EmailEvent } from '../email/email-event';
import { EmailOutbox } from '../email/email-outbox';
import { NotificationsService } from '../notifications/notifications.service';
import { PublicUser, toPublicUser, UsersService } from '../users/users.service';
import type { AuthUser } from '../auth/auth-user';
import { CredentialsService } from '../auth/credentials.service';
import { hashPassword } from '../auth/password';
import { SessionStore } from '../auth/session.store';
import { TokenService } from '../auth/token.service';
import { UserRecords, UserRow } from '../auth/user-records';
import { LoginDto, RegisterCompanyDto, RegisterCustomerDto } from './dto/accounts.dto';
import { KnownDevicesService } from './known-devices.service';

/** Where a sign-in comes from: stored on the session, shown in GET /auth/sessions. */
export interface ClientInfo {
  userAgent: string;
  ip: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

@Injectable()
export class AccountsService {
  constructor(
    @Inject(DB) private readonly db: Database,
    private readonly users: UsersService,
    private readonly userRecords: UserRecords,
    private readonly credentials: CredentialsService,
    private readonly companies: CompaniesService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionStore,
    private readonly devices: KnownDevicesService,
    private readonly notifications: NotificationsService,
    private readonly outbox: EmailOutbox,
    private readonly events: DomainEvents,
  ) {}

  async registerCustomer(
    dto: RegisterCustomerDto,
    client: ClientInfo,
  ): Promise<{ user: PublicUser } & Tokens> {
    const passwordHash = await hashPassword(dto.password);
    const user = await this.db.transaction(async (tx) => {
      const created = await this.users.create(tx, {
        email: dto.email,
        passwordHash,
        name: dto.name,
        role: 'CUSTOMER',
      });
      // Registering is signing in from this device: it is the user's first, never "new".
      await this.devices.remember(created.id, client.userAgent, tx);
      return created;
    });
    await this.announceRegistered(user);
    return { user: toPublicUser(user), ...(await this.startSession(user, client)) };
  }

  async registerCompany(
    dto: RegisterCompanyDto,
    client: ClientInfo,
  ): Promise<{ user: PublicUser; company: CompanyRow } & Tokens> {
    const passwordHash = await hashPassword(dto.password);
    const { user, company } = await this.db.transaction(async (tx) => {
      const company = await this.companies.create(tx, dto.companyName);
      const user = await this.users.create(tx, {
        email: dto.email,
        passwordHash,
        name: dto.name,
        role: 'COMPANY',
        companyId: company.id,
        companyRole: 'OWNER',
      });
      await this.devices.remember(user.id, client.userAgent, tx);
      return { user, company };
    });
    await this.announceRegistered(user);
    return { user: toPublicUser(user), company, ...(await this.startSession(user, client)) };
  }

  /** Bad email and bad password are the same 401, and take the same time. */
  async login(dto: LoginDto, client: ClientInfo): Promise<{ user: PublicUser } & Tokens> {
    const user = await this.credentials.verify(dto.email, dto.password);
    if (!user) throw new UnauthorizedException('Invalid email or password');
    await this.alertIfNewDevice(user, client);
    return { user: toPublicUser(user), ...(await this.startSession(user, client)) };
  }

  /** Rotation: the presented refresh token dies, a new pair is issued; a replay kills the session. */
  async refresh(refreshToken: string): Promise<Tokens> {
    const claims = await this.tokens.verify(refreshToken, 'refresh');
    if (!claims) throw new UnauthorizedException('Invalid or expired refresh token');
    const next = await this.tokens.issuePair(claims.sub, claims.sid);
    const result = await this.sessions.rotateRefresh(
      claims.sub,
      claims.sid,
      claims.jti,
      next.refreshJti,
      claims.iatMs,
    );
    if (result === 'reused') {
      await this.announceRevoked(claims.sub, [claims.sid]);
      throw new UnauthorizedException(
        'Refresh token was already used; the session has been revoked',
      );
    }
    if (result !== 'ok') throw new UnauthorizedException('Session has ended');
    return { accessToken: next.accessToken, refreshToken: next.refreshToken };
  }

  async logout(user: AuthUser): Promise<void> {
    await this.sessions.revokeSession(user.id, user.sid, user.jti, user.exp);
    await this.announceRevoked(user.id, [user.sid]);
  }

  async logoutAll(userId: string): Promise<void> {
    await this.sessions.revokeAll(userId);
    await this.announceRevoked(userId, 'all');
  }

  async listSessions(user: AuthUser) {
    const sessions = await this.sessions.list(user.id);
    return sessions
      .map((s) => ({
        id: s.id,
        userAgent: s.userAgent,
        ip: s.ip,
        createdAt: new Date(Number(s.createdAt)).toISOString(),
        lastSeenAt: new Date(Number(s.lastSeenAt)).toISOString(),
        current: s.id === user.sid,
      }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async revokeSession(user: AuthUser, sid: string): Promise<void> {
    const existed = await this.sessions.revokeSession(
      user.id,
      sid,
      sid === user.sid ? user.jti : undefined,
      user.exp,
    );
    if (!existed) throw new NotFoundException('Session not found');
    await this.announceRevoked(user.id, [sid]);
  }

  /** Admin force-logout: as logout-all for that user. */
  async forceLogout(userId: string): Promise<void> {
    if (!(await this.userRecords.findById(userId))) throw new NotFoundException('User not found');
    await this.logoutAll(userId);
  }

  private async startSession(user: UserRow, client: ClientInfo): Promise<Tokens> {
    const sid = randomUUID();
    const pair = await this.tokens.issuePair(user.id, sid);
    const now = String(Date.now());
    await this.sessions.create(
      {
        id: sid,
        userId: user.id,
        userAgent: client.userAgent,
        ip: client.ip,
        createdAt: now,
        lastSeenAt: now,
      },
      pair.refreshJti,
      user,
    );
    return { accessToken: pair.accessToken, refreshToken: pair.refreshToken };
  }

  /** A sign-in from a user agent this user never used: one notification and one email. */
  private async alertIfNewDevice(user: UserRow, client: ClientInfo): Promise<void> {
    const rows = await this.db.transaction(async (tx) => {
      if (!(await this.devices.remember(user.id, client.userAgent, tx))) return [];
      const data = { userAgent: client.userAgent, ip: client.ip, at: new Date().toISOString() };
      await this.outbox.record(tx, {
        event: EmailEvent.SecurityNewDevice,
        to: user.email,
        payload: { name: user.name, ...data },
      });
      return this.notifications.record(tx, [
        {
          userId: user.id,
          type: EmailEvent.SecurityNewDevice,
          title: 'New sign-in to your account',
          body: `Someone signed in from a new device (${client.userAgent || 'unknown device'}, ${client.ip}).`,
          data,
        },
      ]);
    });
    await this.notifications.publish(rows);
  }

  /** Awaited: the cache invalidation it triggers is done before the response is sent. */
  private async announceRegistered(user: UserRow): Promise<void> {
    const event: UserRegisteredEvent = { userId: user.id, companyId: user.companyId };
    await this.events.emit(DomainEvent.UserRegistered, event);
  }

  private async announceRevoked(userId: string, sessionIds: string[] | 'all'): Promise<void> {
    const event: SessionsRevokedEvent = { userId, sessionIds };
    await this.events.emit(DomainEvent.SessionsRevoked, event);
  }
}
