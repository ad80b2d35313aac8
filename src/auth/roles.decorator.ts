import { SetMetadata } from '@nestjs/common';
import type { UserRole } from './auth-user';

export const ROLES = 'auth:roles';
/** Only users with one of these roles may call the route (403 otherwise). */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES, roles);
