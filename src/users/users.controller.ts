import { Controller, Get, NotFoundException } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CachedResponse } from '../cache/cached-response.decorator';
import { CurrentUser } from '../auth/current-user.decorator';
import { toPublicUser, UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @CachedResponse('PROFILE')
  async me(@CurrentUser() current: AuthUser) {
    const user = await this.users.findById(current.id);
    if (!user) throw new NotFoundException('User not found');
    return { ...toPublicUser(user), stats: await this.users.stats(user) };
  }
}
