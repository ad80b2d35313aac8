import {
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { AdminEmailsService } from './admin-emails.service';
import {
  EmailAddressParamDto,
  EmailDetailDto,
  EmailPageDto,
  EmailSummaryDto,
  ListEmailsQueryDto,
  SuppressionPageDto,
} from './dto/admin-emails.dto';
import { EmailSuppressions } from './email-suppressions.service';

/** The email outbox: what was sent, to whom, in which state, and the message itself. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/emails')
export class AdminEmailsController {
  constructor(private readonly emails: AdminEmailsService) {}

  /** Newest first. */
  @Get()
  @ApiOkResponse({ type: EmailPageDto })
  list(@Query() query: ListEmailsQueryDto): Promise<EmailPageDto> {
    return this.emails.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: EmailDetailDto })
  @ApiNotFoundResponse()
  get(@Param('id', ParseUUIDPipe) id: string): Promise<EmailDetailDto> {
    return this.emails.get(id);
  }

  /** Sends a FAILED email again (by the worker, shortly): 202 with its state, now PENDING. */
  @Post(':id/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: EmailSummaryDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The email is not FAILED' })
  retry(@Param('id', ParseUUIDPipe) id: string): Promise<EmailSummaryDto> {
    return this.emails.retry(id);
  }
}

/**
 * Addresses not mailed any more after a permanent SMTP failure (5xx). Removing one lets later
 * emails to it be attempted again.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('ADMIN')
@Controller('admin/email-suppressions')
export class AdminEmailSuppressionsController {
  constructor(private readonly suppressions: EmailSuppressions) {}

  /** Newest first. */
  @Get()
  @ApiOkResponse({ type: SuppressionPageDto })
  list(@Query() query: PaginationQueryDto): Promise<SuppressionPageDto> {
    return this.suppressions.list(query.page, query.limit);
  }

  @Delete(':email')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed: later emails to it are attempted again' })
  @ApiNotFoundResponse({ description: 'The address is not on the list' })
  async remove(@Param() params: EmailAddressParamDto): Promise<void> {
    if (!(await this.suppressions.remove(params.email))) {
      throw new NotFoundException('This address is not suppressed');
    }
  }
}
