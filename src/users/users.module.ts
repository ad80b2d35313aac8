import { Module } from '@nestjs/common';
import { EmailPreferencesController } from './email-preferences.controller';
import { UnsubscribeController } from './unsubscribe.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController, EmailPreferencesController, UnsubscribeController],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
