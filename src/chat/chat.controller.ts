import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { ChatService } from './chat.service';
import { ChatMessagePage, ConversationPage } from './chat.types';

/** Chat history. Messages are sent over Socket.IO (`chat:send`), see the realtime module. */
@ApiTags('chat')
@Controller('chat/conversations')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get()
  @Summary('Conversations (one per booking) of the signed-in user, newest activity first')
  @ApiOk(ConversationPage)
  listConversations(@CurrentUser() user: AuthUser, @Query() query: PaginationQueryDto) {
    return this.chat.listConversations(user, query);
  }

  @Get(':bookingId/messages')
  @Summary("A conversation's messages, oldest first (participants only)")
  @ApiOk(ChatMessagePage)
  @ApiErrors({ 403: 'You are not a participant of this conversation' })
  listMessages(
    @CurrentUser() user: AuthUser,
    @Param('bookingId', ParseUUIDPipe) bookingId: string,
    @Query() query: PaginationQueryDto,
  ) {
    return this.chat.listMessages(user, bookingId, query);
  }
}
