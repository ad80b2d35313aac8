import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/public.decorator';
import { UnsubscribeTokens } from '../email/unsubscribe-tokens';
import { ApiErrors, Summary } from '../common/openapi/api-responses.decorator';
import { EmailPreferencesDto, UnsubscribeQueryDto } from './dto/email-preferences.dto';
import { confirmPage, donePage, UNSUBSCRIBE_PAGE_CSP } from './unsubscribe-page';
import { UsersService } from './users.service';

/** One message for every bad token: it must not tell whether a user exists. */
const BAD_TOKEN = 'This unsubscribe link is not valid';
const HTML_PAGE = { 'text/html': { schema: { type: 'string' } } };

/**
 * The unsubscribe link of campaign emails (`List-Unsubscribe` header and body link). No sign-in:
 * the signed token is the authorisation, for one user and one category.
 */
@ApiTags('email')
@ApiExtraModels(EmailPreferencesDto)
@Public()
@Controller('email/unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly tokens: UnsubscribeTokens,
    private readonly users: UsersService,
  ) {}

  /** A page with a button that unsubscribes; opening it changes nothing. */
  @Get()
  @Summary('The page an unsubscribe link opens (HTML); it changes nothing, its button unsubscribes')
  @ApiOkResponse({ description: 'HTML page with an Unsubscribe button', content: HTML_PAGE })
  @ApiErrors({ 400: 'Malformed or tampered token' })
  showUnsubscribePage(
    @Query() query: UnsubscribeQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): string {
    this.verify(query.token);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', UNSUBSCRIBE_PAGE_CSP);
    return confirmPage(query.token);
  }

  /**
   * RFC 8058 one-click unsubscribe (the mailbox POSTs `List-Unsubscribe=One-Click`, form-encoded)
   * and the page's button. Idempotent. JSON, or a confirmation page for a browser.
   */
  @Post()
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    required: false,
    description: 'Ignored: the token is the whole request (RFC 8058 sends this field)',
    schema: {
      type: 'object',
      properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } },
    },
  })
  @Summary("Unsubscribe from marketing emails (RFC 8058 one-click, or the page's button)")
  @ApiOkResponse({
    description:
      'marketing is now false: the preferences as JSON, or a confirmation page for a client ' +
      'that prefers text/html',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(EmailPreferencesDto) } },
      ...HTML_PAGE,
    },
  })
  @ApiErrors({ 400: 'Malformed or tampered token' })
  async unsubscribe(
    @Query() query: UnsubscribeQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EmailPreferencesDto | string> {
    const grant = this.verify(query.token);
    const preferences = await this.users.setMarketingEmails(grant.userId, false);
    if (req.accepts(['json', 'html']) !== 'html') return preferences;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Security-Policy', UNSUBSCRIBE_PAGE_CSP);
    return donePage();
  }

  private verify(token: string) {
    const grant = this.tokens.verify(token);
    if (!grant) throw new BadRequestException(BAD_TOKEN);
    return grant;
  }
}
