import { Controller, Delete, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiErrors, ApiNoContent, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { EmailAddressParamDto, SuppressionPage } from './dto/admin-emails.dto';
import { EmailSuppressions } from './email-suppressions';

/**
 * Addresses not mailed any more after a permanent SMTP failure (5xx). Removing one lets later
 * emails to it be attempted again.
 */
@ApiTags('admin')
@Roles('ADMIN')
@Controller('admin/email-suppressions')
export class AdminEmailSuppressionsController {
  constructor(private readonly suppressions: EmailSuppressions) {}

  /** Newest first. */
  @Get()
  @Summary('Addresses not mailed any more after a permanent SMTP failure, newest first')
  @ApiOk(SuppressionPage)
  listEmailSuppressions(@Query() query: PaginationQueryDto): Promise<SuppressionPage> {
    return this.suppressions.list(query.page, query.limit);
  }

  @Delete(':email')
  @Summary('Remove an address from the suppression list: later emails to it are attempted')
  @ApiNoContent('Removed: later emails to it are attempted again')
  @ApiErrors({ 404: 'The address is not on the list' })
  async removeEmailSuppression(@Param() params: EmailAddressParamDto): Promise<void> {
    if (!(await this.suppressions.remove(params.email))) {
      throw new NotFoundException('This address is not suppressed');
    }
  }
}
