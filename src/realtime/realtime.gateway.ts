import {
  ForbiddenException,
  HttpException,
  Logger,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Counter, Gauge } from 'prom-client';
import type { Server, Socket } from 'socket.io';
import { AccessTokenAuthenticator } from '../auth/access-token.authenticator';
import type { AuthUser } from '../auth/auth-user';
import { SESSIONS_REVOKED, SessionsRevokedEvent } from '../auth/auth.events';
import { ChatService } from '../chat/chat.service';
import { chatTextToStore } from '../chat/chat-text';
import { MetricsService } from '../metrics/metrics.service';
import {
  NOTIFICATION_CREATED,
  NotificationCreatedEvent,
} from '../notifications/notification.types';
import { ChatRateLimiter } from '../throttle/chat-rate-limiter';
import { SOCKET_IO_PATH, SocketEvent, SocketRoom } from './realtime.constants';
import type {
  ChatAckError,
  ChatJoinAck,
  ChatSendAck,
  ClientToServerEvents,
  ConnectErrorMessage,
  ServerToClientEvents,
} from './realtime.events';

interface SocketData {
  user: AuthUser;
  token: string;
  expiryTimer?: NodeJS.Timeout;
}
type TypedServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type AuthedSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** setTimeout's upper bound; longer delays fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const KNOWN_EVENTS = new Set<string>(Object.values(SocketEvent));

/**
 * The Socket.IO entry point of an API process (default namespace, path /socket.io).
 *
 * - Handshake: `auth: {token}` is checked exactly like the HTTP JwtGuard (signature, expiry,
 *   session alive, not revoked) in a middleware, so a refused socket never connects:
 *   `connect_error` `unauthorized`, or `unavailable` when Redis or the database cannot answer.
 * - Every socket joins `user:<id>` and `session:<sid>` during the handshake, before the client
 *   hears `connect`: notifications and revocations address those rooms, and the Redis adapter
 *   carries them to whichever process holds the socket.
 * - Chat: `chat:join` / `chat:send`, participants only, through ChatService.
 */
// Frames are bounded like HTTP bodies (100 kB): a chat message is at most 2,000 characters.
@WebSocketGateway({ path: SOCKET_IO_PATH, maxHttpBufferSize: 100_000 })
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() private readonly server: TypedServer;

  private readonly messages: Counter<'direction' | 'event'>;

  constructor(
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly chat: ChatService,
    private readonly rateLimiter: ChatRateLimiter,
    private readonly metrics: MetricsService,
  ) {
    this.messages = metrics.counter(
      'parcsal_socket_messages_total',
      'Socket.IO events received from (in) and sent to (out) the sockets of this process',
      ['direction', 'event'],
    );
    const connections: Gauge = metrics.gauge(
      'parcsal_socket_connections',
      'Sockets connected to this API process',
      [],
      (): void => connections.set(this.server?.sockets.sockets.size ?? 0),
    );
  }

  afterInit(server: TypedServer): void {
    server.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (error: Error) => next(error),
      );
    });
  }

  async handleConnection(socket: AuthedSocket): Promise<void> {
    const { user, token } = socket.data;
    socket.onAny((event: string) => this.count('in', event));
    socket.onAnyOutgoing((event: string) => this.count('out', event));
    // Nest does not await this hook: nothing may escape it as a rejection.
    try {
      // A revocation broadcast while the handshake ran found no connected socket to drop (the
      // adapter only reaches connected ones): check once more now that it would find this one.
      await this.authenticator.authenticate(token);
    } catch {
      socket.disconnect(true);
      return;
    }
    if (!socket.connected) return;
    // The socket lives no longer than its access token; the client reconnects with a fresh one.
    const expiresInMs = user.exp * 1000 - Date.now();
    socket.data.expiryTimer = setTimeout(
      () => socket.disconnect(true),
      Math.max(0, Math.min(expiresInMs, MAX_TIMER_MS)),
    );
  }

  handleDisconnect(socket: AuthedSocket): void {
    clearTimeout(socket.data.expiryTimer);
  }

  /**
   * `chat:join {bookingId}` → `{ok: true}` once the socket receives the conversation's messages
   * from every process (the join waits for the room's Redis subscription).
   */
  @SubscribeMessage(SocketEvent.ChatJoin)
  async join(
    @ConnectedSocket() socket: AuthedSocket,
    @MessageBody() body: unknown,
  ): Promise<ChatJoinAck> {
    const bookingId = stringField(body, 'bookingId');
    if (bookingId === undefined) return { ok: false, error: 'invalid_payload' };
    const room = SocketRoom.chat(bookingId);
    try {
      await this.chat.assertParticipant(socket.data.user, bookingId);
      await socket.join(room);
      return { ok: true };
    } catch (error) {
      // Not left in a room whose subscription failed: a later join subscribes again.
      await socket.leave(room);
      return { ok: false, error: this.ackError(error, SocketEvent.ChatJoin) };
    }
  }

  /**
   * `chat:send {bookingId, text}` → stored, broadcast as `chat:message` to every socket that joined
   * the conversation on any process, and acknowledged with `{ok: true, message}`. Any participant
   * may send (joining is only needed to receive).
   */
  @SubscribeMessage(SocketEvent.ChatSend)
  async send(
    @ConnectedSocket() socket: AuthedSocket,
    @MessageBody() body: unknown,
  ): Promise<ChatSendAck> {
    const bookingId = stringField(body, 'bookingId');
    const text = stringField(body, 'text');
    if (bookingId === undefined || text === undefined)
      return { ok: false, error: 'invalid_payload' };
    // Before the rate limiter: a message that can never be stored uses up no quota.
    if (chatTextToStore(text) === null) return { ok: false, error: 'invalid_text' };
    try {
      const { user } = socket.data;
      if (!(await this.rateLimiter.consume(user.id))) return { ok: false, error: 'rate_limited' };
      const message = await this.chat.send(user, bookingId, text);
      this.server.to(SocketRoom.chat(bookingId)).emit(SocketEvent.ChatMessage, message);
      return { ok: true, message };
    } catch (error) {
      return { ok: false, error: this.ackError(error, SocketEvent.ChatSend) };
    }
  }

  /** A notification committed in this process: to the user's sockets on every API process. */
  @OnEvent(NOTIFICATION_CREATED)
  deliverNotification({ userId, notification }: NotificationCreatedEvent): void {
    this.server?.to(SocketRoom.user(userId)).emit(SocketEvent.Notification, notification);
  }

  /** Logout, logout-all, session delete, force-logout: their live sockets go, on every process. */
  @OnEvent(SESSIONS_REVOKED)
  disconnectRevoked({ userId, sessionIds }: SessionsRevokedEvent): void {
    if (!this.server) return;
    const rooms =
      sessionIds === 'all' ? [SocketRoom.user(userId)] : sessionIds.map(SocketRoom.session);
    if (rooms.length > 0) this.server.in(rooms).disconnectSockets(true);
  }

  /**
   * The handshake middleware: authenticates, then joins the user's and the session's rooms and
   * waits until the adapter's Redis subscriptions for them are live. Only then does the client get
   * its `connect` event, so whatever is addressed to it from then on, from any process, reaches it.
   * A refused or failed handshake leaves the rooms again (Socket.IO cleans the socket up).
   */
  private async admit(socket: AuthedSocket): Promise<void> {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) throw refusal('unauthorized');
    try {
      const user = await this.authenticator.authenticate(token);
      socket.data.user = user;
      socket.data.token = token;
      await socket.join([SocketRoom.user(user.id), SocketRoom.session(user.sid)]);
    } catch (error) {
      if (error instanceof UnauthorizedException) throw refusal('unauthorized');
      this.logger.warn(`Socket handshake refused: ${(error as Error).message}`);
      throw refusal('unavailable');
    }
  }

  private ackError(error: unknown, event: string): ChatAckError {
    if (error instanceof NotFoundException) return 'not_found';
    if (error instanceof ForbiddenException) return 'forbidden';
    if (error instanceof HttpException && error.getStatus() === 400) return 'invalid_text';
    this.logger.warn(`${event} failed: ${(error as Error).message}`);
    return 'unavailable';
  }

  /** Client-chosen event names are folded into `other`: a label never grows without bound. */
  private count(direction: 'in' | 'out', event: string): void {
    this.messages.inc({ direction, event: KNOWN_EVENTS.has(event) ? event : 'other' });
  }
}

/** A handshake refusal: the client's `connect_error` carries this message. */
function refusal(message: ConnectErrorMessage): Error {
  return new Error(message);
}

/** `payload[name]` when the payload is a plain object and the field a string. */
function stringField(payload: unknown, name: string): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const value = (payload as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
