import { Module } from '@nestjs/common';
import { RefreshTokenOwner } from '../rate-limit/refresh-token-owner';
import { AccessTokenAuthenticator } from './access-token.authenticator';
import { CredentialsService } from './credentials.service';
import { JwtGuard } from './jwt.guard';
import { RolesGuard } from './roles.guard';
import { SessionStore } from './session.store';
import { TokenService } from './token.service';
import { UserFactsStore } from './user-facts.store';
import { UserRecords } from './user-records';

/**
 * The primitives of signing in that every feature may import: tokens, sessions, the user facts the
 * guard serves, one credential check, the guards. No feature below it: the account flows
 * (register, login, refresh, logout, sessions) are src/accounts, above users and companies.
 */
@Module({
  providers: [
    UserRecords,
    CredentialsService,
    TokenService,
    SessionStore,
    UserFactsStore,
    AccessTokenAuthenticator,
    { provide: RefreshTokenOwner, useExisting: TokenService },
    // Global guards, registered by AppModule in the order they must run.
    JwtGuard,
    RolesGuard,
  ],
  exports: [
    UserRecords,
    CredentialsService,
    TokenService,
    SessionStore,
    UserFactsStore,
    AccessTokenAuthenticator,
    RefreshTokenOwner,
    JwtGuard,
    RolesGuard,
  ],
})
export class AuthModule {}
