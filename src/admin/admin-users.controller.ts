import { Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { Roles } from '../auth/roles.decorator';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly auth: AuthService) {}

  /** Every token of that user stops working, on every API process. */
  @Post(':id/force-logout')
  @HttpCode(204)
  async forceLogout(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.auth.forceLogout(id);
  }
}
