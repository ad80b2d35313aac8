import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { EmailPreferencesDto } from './dto/email-preferences.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users/me/email-preferences')
export class EmailPreferencesController {
  constructor(private readonly users: UsersService) {}

  /** `marketing` is true for a new account. */
  @Get()
  @ApiOkResponse({ type: EmailPreferencesDto })
  get(@CurrentUser() user: AuthUser): Promise<EmailPreferencesDto> {
    return this.users.emailPreferences(user.id);
  }

  /** false: no more campaigns, including the rest of one being sent now. */
  @Patch()
  @ApiOkResponse({ type: EmailPreferencesDto })
  update(
    @CurrentUser() user: AuthUser,
    @Body() dto: EmailPreferencesDto,
  ): Promise<EmailPreferencesDto> {
    return this.users.setMarketingEmails(user.id, dto.marketing);
  }
}
