/**
 * In-process event after sessions were revoked; the realtime module disconnects their live
 * sockets on every API process. `sessionIds: 'all'` = every session of the user.
 */
export const SESSIONS_REVOKED = 'auth.sessions.revoked';
export interface SessionsRevokedEvent {
  userId: string;
  sessionIds: string[] | 'all';
}
