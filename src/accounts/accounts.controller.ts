import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  ApiCreated,
  ApiErrors,
  ApiNoContent,
  ApiOk,
  Summary,
} from '../common/openapi/api-responses.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { AccountsService, ClientInfo } from './accounts.service';
import { Client } from './client-info.decorator';
import { AuthSession, AuthTokens, CompanyRegistration, SessionView } from './dto/accounts.response';
import {
  LoginDto,
  RefreshTokenDto,
  RegisterCompanyDto,
  RegisterCustomerDto,
} from './dto/accounts.dto';

/** The account flows. Their paths stay under /auth, the contract's (docs/contract.md). */
@ApiTags('auth')
@Controller('auth')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Public()
  @RateLimit('REGISTER')
  @Post('register-customer')
  @Summary('Register a customer account and sign in')
  @ApiCreated(AuthSession)
  @ApiErrors({ 409: 'This email is already registered' })
  registerCustomer(@Body() dto: RegisterCustomerDto, @Client() client: ClientInfo) {
    return this.accounts.registerCustomer(dto, client);
  }

  @Public()
  @RateLimit('REGISTER')
  @Post('register-company')
  @Summary('Register a company with its owner account, and sign in as the owner')
  @ApiCreated(CompanyRegistration)
  @ApiErrors({ 409: 'This email is already registered' })
  registerCompany(@Body() dto: RegisterCompanyDto, @Client() client: ClientInfo) {
    return this.accounts.registerCompany(dto, client);
  }

  @Public()
  @RateLimit('LOGIN', 'LOGIN_EMAIL')
  @Post('login')
  @Summary('Sign in with email and password')
  @ApiOk(AuthSession)
  @ApiErrors({ 401: 'Invalid email or password' })
  login(@Body() dto: LoginDto, @Client() client: ClientInfo) {
    return this.accounts.login(dto, client);
  }

  @Public()
  @RateLimit('REFRESH')
  @Post('refresh-token')
  @Summary('Trade a refresh token for a new token pair (each refresh token works once)')
  @ApiOk(AuthTokens)
  @ApiErrors({
    401: 'Invalid, expired or already used refresh token (a reuse revokes the whole session)',
  })
  refreshToken(@Body() dto: RefreshTokenDto) {
    return this.accounts.refresh(dto.refreshToken);
  }

  @Post('logout')
  @Summary("Sign out: this session's tokens stop working at once")
  @ApiNoContent()
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.accounts.logout(user);
  }

  @Post('logout-all')
  @Summary('Sign out everywhere: every token of this user stops working')
  @ApiNoContent()
  async logoutAll(@CurrentUser() user: AuthUser): Promise<void> {
    await this.accounts.logoutAll(user.id);
  }

  @Get('sessions')
  @Summary("The signed-in user's sessions (devices), newest first")
  @ApiOk([SessionView])
  listSessions(@CurrentUser() user: AuthUser) {
    return this.accounts.listSessions(user);
  }

  @Delete('sessions/:id')
  @Summary("End one of the user's sessions: its tokens stop working")
  @ApiNoContent()
  async revokeSession(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.accounts.revokeSession(user, id);
  }
}
