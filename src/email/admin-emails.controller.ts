import {
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import {
  ApiAccepted,
  ApiErrors,
  ApiNoContent,
  ApiOk,
  Summary,
} from '../common/openapi/api-responses.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { AdminEmailsService } from './admin-emails.service';
import {
  EmailAddressParamDto,
  EmailDetailDto,
  EmailPage,
  EmailSummaryDto,
  ListEmailsQueryDto,
  SuppressionPage,
} from './dto/admin-emails.dto';
import { EmailSuppressions } from './email-suppressions';

/** The email outbox: what was sent, to whom, in which state, and the message itself. */
@ApiTags('admin')
@Roles('ADMIN')
@Controller('admin/emails')
export class AdminEmailsController {
  constructor(private readonly emails: AdminEmailsService) {}

  /** Newest first. */
  @Get()
  @Summary('Every email sent or to be sent, newest first, with its state')
  @ApiOk(EmailPage)
  listEmails(@Query() query: ListEmailsQueryDto): Promise<EmailPage> {
    return this.emails.list(query);
  }

  @Get(':id')
  @Summary('An email with its headers and rendered text and HTML')
  @ApiOk(EmailDetailDto)
  getEmail(@Param('id', ParseUUIDPipe) id: string): Promise<EmailDetailDto> {
    return this.emails.get(id);
  }

  /** Sends a FAILED email again (by the worker, shortly): 202 with its state, now PENDING. */
  @Post(':id/retry')
  @Summary('Send a FAILED email again (by the worker, shortly)')
  @ApiAccepted(EmailSummaryDto, 'Queued again; its state is now PENDING')
  @ApiErrors({ 409: 'The email is not FAILED' })
  retryEmail(@Param('id', ParseUUIDPipe) id: string): Promise<EmailSummaryDto> {
    return this.emails.retry(id);
  }
}

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
