export type UserRole = 'CUSTOMER' | 'COMPANY' | 'ADMIN';
export type CompanyRole = 'OWNER' | 'MEMBER';

/** The signed-in user of a request, as the JwtGuard found it (current facts, see UserFactsStore). */
export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  companyId: string | null;
  companyRole: CompanyRole | null;
  createdAt: Date;
  /** Session id, shared by the session's access and refresh tokens. */
  sid: string;
  /** This access token's id and expiry (seconds since epoch). */
  jti: string;
  exp: number;
}
