import type { ChatMessageView } from '../chat/chat.types';
import type { NotificationView } from '../notifications/notification.types';

/**
 * The Socket.IO contract of the default namespace, as types: the gateway, the worker's
 * broadcaster and the test client all use these, and docs/asyncapi.yaml describes the same events.
 */

/** `auth` of the handshake: an access token from `POST /auth/login` (or register, refresh). */
export interface HandshakeAuth {
  token: string;
}

/** The `message` of `connect_error` when the server refuses a handshake. */
export type ConnectErrorMessage =
  /** Missing, malformed, expired or revoked token. */
  | 'unauthorized'
  /** Redis or the database cannot answer right now: retry later. */
  | 'unavailable';

/** Error codes of `{ok: false, error}` acknowledgements. */
export type ChatAckError =
  'invalid_payload' | 'invalid_text' | 'not_found' | 'forbidden' | 'rate_limited' | 'unavailable';

/** What `chat:join` and `chat:send` acknowledge with. */
export type Ack<T extends object = object> =
  ({ ok: true } & T) | { ok: false; error: ChatAckError };
export type ChatJoinAck = Ack;
export type ChatSendAck = Ack<{ message: ChatMessageView }>;

export interface ChatJoinPayload {
  bookingId: string;
}

export interface ChatSendPayload {
  bookingId: string;
  /** 1..2000 characters after trimming; no NUL. */
  text: string;
}

/** Client → server events (each with an acknowledgement callback). */
export interface ClientToServerEvents {
  'chat:join': (payload: ChatJoinPayload, ack: (response: ChatJoinAck) => void) => void;
  'chat:send': (payload: ChatSendPayload, ack: (response: ChatSendAck) => void) => void;
}

/** Server → client events. */
export interface ServerToClientEvents {
  notification: (notification: NotificationView) => void;
  'chat:message': (message: ChatMessageView) => void;
}

/** Payload of a server → client event. */
export type ServerEventPayload<E extends keyof ServerToClientEvents> = Parameters<
  ServerToClientEvents[E]
>[0];
