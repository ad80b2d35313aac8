import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { UserProfile } from './user.view';
import { toPublicUser, UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @CachedResponse('PROFILE')
  @Summary("The signed-in user with booking stats (their own, or their company's)")
  @ApiOk(UserProfile)
  async getMe(@CurrentUser() user: AuthUser) {
    // The guard has the user's current facts (UserFactsStore): no read of the user here.
    return { ...toPublicUser(user), stats: await this.users.stats(user) };
  }
}
