import { Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiNoContent, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { NotificationPage } from './notification.types';
import { ListNotificationsQueryDto } from './notifications.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Summary("The user's notifications, newest first, with the unread count")
  @ApiOk(NotificationPage)
  listNotifications(@CurrentUser() user: AuthUser, @Query() query: ListNotificationsQueryDto) {
    return this.notifications.list(user.id, query);
  }

  @Post('read-all')
  @Summary("Mark all the user's notifications read")
  @ApiNoContent()
  async readAllNotifications(@CurrentUser() user: AuthUser): Promise<void> {
    await this.notifications.markAllRead(user.id);
  }

  @Post(':id/read')
  @Summary('Mark one notification read')
  @ApiNoContent()
  async readNotification(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.notifications.markRead(user.id, id);
  }
}
