import { Module } from '@nestjs/common';
import { CompaniesModule } from '../companies/companies.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { AdminBootstrapService } from '../users/admin-bootstrap.service';
import { RefreshTokenOwner } from '../throttle/refresh-token-owner';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { CredentialsService } from './credentials.service';
import { AccessTokenAuthenticator } from './access-token.authenticator';
import { JwtGuard } from './jwt.guard';
import { KnownDevicesService } from './known-devices.service';
import { RolesGuard } from './roles.guard';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';

@Module({
  imports: [UsersModule, CompaniesModule, NotificationsModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    CredentialsService,
    // Lives with the users, provided here: it revokes sessions (AuthService) on a password change.
    AdminBootstrapService,
    TokenService,
    SessionStore,
    KnownDevicesService,
    AccessTokenAuthenticator,
    { provide: RefreshTokenOwner, useExisting: TokenService },
    // Global guards, registered by AppModule in the order they must run.
    JwtGuard,
    RolesGuard,
  ],
  exports: [
    AuthService,
    AccessTokenAuthenticator,
    TokenService,
    CredentialsService,
    RefreshTokenOwner,
    JwtGuard,
    RolesGuard,
  ],
})
export class AuthModule {}
