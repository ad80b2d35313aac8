import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CompaniesModule } from '../companies/companies.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
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
    TokenService,
    SessionStore,
    KnownDevicesService,
    AccessTokenAuthenticator,
    { provide: APP_GUARD, useClass: JwtGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, AccessTokenAuthenticator, TokenService],
})
export class AuthModule {}
