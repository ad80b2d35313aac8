import { Controller, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AccountsService } from '../accounts/accounts.service';
import { Roles } from '../auth/roles.decorator';
import { ApiNoContent, Summary } from '../common/openapi/api-responses.decorator';

@ApiTags('admin')
@Roles('ADMIN')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly accounts: AccountsService) {}

  /** Every token of that user stops working, on every API process. */
  @Post(':id/force-logout')
  @Summary('Sign a user out everywhere: every token of theirs stops working')
  @ApiNoContent()
  async forceLogout(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.accounts.forceLogout(id);
  }
}
