/** Socket.IO path of the API (docs/contract.md "Realtime"). */
export const SOCKET_IO_PATH = '/socket.io';

/** Events of the default namespace (their payloads: realtime.events.ts). */
export const SocketEvent = {
  Notification: 'notification',
  ChatJoin: 'chat:join',
  ChatSend: 'chat:send',
  ChatMessage: 'chat:message',
} as const;

/** Rooms every socket is put in, so any process can reach a user, a session or a conversation. */
export const SocketRoom = {
  user: (userId: string) => `user:${userId}`,
  session: (sessionId: string) => `session:${sessionId}`,
  chat: (bookingId: string) => `chat:${bookingId}`,
};
