import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { EmailPreferencesDto } from './dto/email-preferences.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users/me/email-preferences')
export class EmailPreferencesController {
  constructor(private readonly users: UsersService) {}

  /** `marketing` is true for a new account. */
  @Get()
  @Summary('Which emails the signed-in user receives (marketing is true for a new account)')
  @ApiOk(EmailPreferencesDto)
  getEmailPreferences(@CurrentUser() user: AuthUser): Promise<EmailPreferencesDto> {
    return this.users.emailPreferences(user.id);
  }

  /** false: no more campaigns, including the rest of one being sent now. */
  @Patch()
  @Summary('Turn marketing emails on or off (off stops a campaign being sent now too)')
  @ApiOk(EmailPreferencesDto)
  updateEmailPreferences(
    @CurrentUser() user: AuthUser,
    @Body() dto: EmailPreferencesDto,
  ): Promise<EmailPreferencesDto> {
    return this.users.setMarketingEmails(user.id, dto.marketing);
  }
}
