import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  ApiCreated,
  ApiErrors,
  ApiNoContent,
  ApiOk,
  Summary,
} from '../common/openapi/api-responses.decorator';
import { RateLimit } from '../throttle/rate-limit.decorator';
import type { AuthUser } from './auth-user';
import { AuthService, ClientInfo } from './auth.service';
import { Client } from './client-info.decorator';
import { CurrentUser } from './current-user.decorator';
import { AuthSession, AuthTokens, CompanyRegistration, SessionView } from './dto/auth.response';
import { LoginDto, RefreshTokenDto, RegisterCompanyDto, RegisterCustomerDto } from './dto/auth.dto';
import { Public } from '../common/public.decorator';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimit('REGISTER')
  @Post('register-customer')
  @Summary('Register a customer account and sign in')
  @ApiCreated(AuthSession)
  @ApiErrors({ 409: 'This email is already registered' })
  registerCustomer(@Body() dto: RegisterCustomerDto, @Client() client: ClientInfo) {
    return this.auth.registerCustomer(dto, client);
  }

  @Public()
  @RateLimit('REGISTER')
  @Post('register-company')
  @Summary('Register a company with its owner account, and sign in as the owner')
  @ApiCreated(CompanyRegistration)
  @ApiErrors({ 409: 'This email is already registered' })
  registerCompany(@Body() dto: RegisterCompanyDto, @Client() client: ClientInfo) {
    return this.auth.registerCompany(dto, client);
  }

  @Public()
  @RateLimit('LOGIN', 'LOGIN_EMAIL')
  @Post('login')
  @Summary('Sign in with email and password')
  @ApiOk(AuthSession)
  @ApiErrors({ 401: 'Invalid email or password' })
  login(@Body() dto: LoginDto, @Client() client: ClientInfo) {
    return this.auth.login(dto, client);
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
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @Summary("Sign out: this session's tokens stop working at once")
  @ApiNoContent()
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user);
  }

  @Post('logout-all')
  @Summary('Sign out everywhere: every token of this user stops working')
  @ApiNoContent()
  async logoutAll(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logoutAll(user.id);
  }

  @Get('sessions')
  @Summary("The signed-in user's sessions (devices), newest first")
  @ApiOk([SessionView])
  listSessions(@CurrentUser() user: AuthUser) {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @Summary("End one of the user's sessions: its tokens stop working")
  @ApiNoContent()
  async revokeSession(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.auth.revokeSession(user, id);
  }
}
