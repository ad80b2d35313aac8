import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:isPublic';
/** The route needs no access token (the global JwtGuard lets it through). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
