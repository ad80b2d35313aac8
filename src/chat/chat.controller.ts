import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { PaginationQueryDto } from '../common/pagination.dto';
import { ChatService } from './chat.service';

/** Chat history. Messages are sent over Socket.IO (`chat:send`), see the realtime module. */
@ApiTags('chat')
@ApiBearerAuth()
@Controller('chat/conversations')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get()
  @ApiOperation({
    summary: 'Conversations (one per booking) of the signed-in user, newest activity first',
  })
  conversations(@CurrentUser() user: AuthUser, @Query() query: PaginationQueryDto) {
    return this.chat.listConversations(user, query);
  }

  @Get(':bookingId/messages')
  @ApiOperation({ summary: "A conversation's messages, oldest first (participants only)" })
  messages(
    @CurrentUser() user: AuthUser,
    @Param('bookingId', ParseUUIDPipe) bookingId: string,
    @Query() query: PaginationQueryDto,
  ) {
    return this.chat.listMessages(user, bookingId, query);
  }
}
