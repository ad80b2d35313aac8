import { Module } from '@nestjs/common';
import { EmailPreferencesController } from './email-preferences.controller';
import { UnsubscribeController } from './unsubscribe.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { UserFactsStore } from './user-facts.store';

@Module({
  controllers: [UsersController, EmailPreferencesController, UnsubscribeController],
  providers: [UsersService, UserFactsStore],
  exports: [UsersService, UserFactsStore],
})
export class UsersModule {}
