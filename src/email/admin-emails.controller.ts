import { Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { ApiAccepted, ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { AdminEmailsService } from './admin-emails.service';
import {
  EmailDetailDto,
  EmailPage,
  EmailSummaryDto,
  ListEmailsQueryDto,
} from './dto/admin-emails.dto';

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
