import { Controller, Get } from '@nestjs/common';
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
  async me(@CurrentUser() user: AuthUser) {
    // The guard has the user's current facts (UserFactsStore): no read of the user here.
    return { ...toPublicUser(user), stats: await this.users.stats(user) };
  }
}
