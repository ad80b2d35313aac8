import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from './auth-user';
import { AuthService, ClientInfo } from './auth.service';
import { Client } from './client-info.decorator';
import { CurrentUser } from './current-user.decorator';
import { LoginDto, RefreshTokenDto, RegisterCompanyDto, RegisterCustomerDto } from './dto/auth.dto';
import { Public } from '../common/public.decorator';
import { RateLimit } from '../throttle/rate-limit.decorator';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @RateLimit('REGISTER')
  @Post('register-customer')
  registerCustomer(@Body() dto: RegisterCustomerDto, @Client() client: ClientInfo) {
    return this.auth.registerCustomer(dto, client);
  }

  @Public()
  @RateLimit('REGISTER')
  @Post('register-company')
  registerCompany(@Body() dto: RegisterCompanyDto, @Client() client: ClientInfo) {
    return this.auth.registerCompany(dto, client);
  }

  @Public()
  @RateLimit('LOGIN', 'LOGIN_EMAIL')
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Client() client: ClientInfo) {
    return this.auth.login(dto, client);
  }

  @Public()
  @RateLimit('REFRESH')
  @Post('refresh-token')
  @HttpCode(200)
  refresh(@Body() dto: RefreshTokenDto) {
    return this.auth.refresh(dto.refreshToken);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user);
  }

  @ApiBearerAuth()
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logoutAll(user.id);
  }

  @ApiBearerAuth()
  @Get('sessions')
  sessions(@CurrentUser() user: AuthUser) {
    return this.auth.listSessions(user);
  }

  @ApiBearerAuth()
  @Delete('sessions/:id')
  @HttpCode(204)
  async revokeSession(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.auth.revokeSession(user, id);
  }
}
