/**
 * Who a refresh token belongs to: the REFRESH limit counts per user when the body carries a valid
 * refresh token. Declared here, implemented by auth's TokenService and provided by the module given
 * to `RateLimitModule.forRoot` (AuthModule), so that rate-limit never imports auth: auth names its
 * limits with `@RateLimit`, and the arrow between the two folders must point one way only.
 */
export abstract class RefreshTokenOwner {
  /** The user id of a valid refresh token; null for a forged, expired or access token. */
  abstract ownerOf(refreshToken: string): Promise<string | null>;
}
