import {
  ForbiddenException,
  HttpException,
  Logger,
  NotFoundException,
  OnApplicationShutdown,
  UnauthorizedException,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DomainEvent, SessionsRevokedEvent } from '../events/domain-events';
import { OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Counter, Gauge } from 'prom-client';
import type { Server, Socket } from 'socket.io';
import { AccessTokenAuthenticator } from '../auth/access-token.authenticator';
import type { AuthUser } from '../auth/auth-user';
import { ChatService } from '../chat/chat.service';
import { chatTextToStore } from '../chat/chat-text';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationCreatedEvent } from '../notifications/notification.types';
import { ChatRateLimiter } from '../rate-limit/chat-rate-limiter';
import { ExpirySchedule } from './expiry-schedule';
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

type Ack = (response: unknown) => void;
/** A client event's listener: Socket.IO calls it with the socket as `this`. */
type EventListener = (this: AuthedSocket, ...args: unknown[]) => void;

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
 *
 * Memory: an idle socket costs what Socket.IO itself keeps for it and little more. Its listeners
 * are functions shared by every socket (Socket.IO calls them with the socket as `this`), not
 * Nest's `@SubscribeMessage` wiring, which builds rxjs pipelines and closures per socket and per
 * event; token expiry is one timer for all sockets (ExpirySchedule), not one per socket.
 */
// Frames are bounded like HTTP bodies (100 kB): a chat message is at most 2,000 characters.
@WebSocketGateway({ path: SOCKET_IO_PATH, maxHttpBufferSize: 100_000 })
export class RealtimeGateway implements OnGatewayInit, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeGateway.name);
  @WebSocketServer() private readonly server: TypedServer;

  private readonly messages: Counter<'direction' | 'event'>;
  /** The socket lives no longer than its access token; the client reconnects with a fresh one. */
  private readonly expiry = new ExpirySchedule<AuthedSocket>((socket) => socket.disconnect(true));
  // Created once, shared by every socket.
  private readonly countIn = (event: string): void => this.count('in', event);
  private readonly countOut = (event: string): void => this.count('out', event);
  private readonly listeners: Record<string, EventListener> = {
    [SocketEvent.ChatJoin]: this.acked(SocketEvent.ChatJoin, (socket, body) =>
      this.join(socket, body),
    ),
    [SocketEvent.ChatSend]: this.acked(SocketEvent.ChatSend, (socket, body) =>
      this.send(socket, body),
    ),
  };
  private readonly forget = perSocket((socket) => this.expiry.delete(socket, socket.data.user.exp));

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
    server.on('connection', (socket) => void this.connected(socket));
  }

  onApplicationShutdown(): void {
    this.expiry.clear();
  }

  /** A socket past the handshake: its listeners, then the revocation re-check and its expiry. */
  private async connected(socket: AuthedSocket): Promise<void> {
    const { user, token } = socket.data;
    socket.onAny(this.countIn);
    socket.onAnyOutgoing(this.countOut);
    // Untyped: a client may send any payload, the listeners check it.
    const untyped = socket as Socket;
    for (const [event, listener] of Object.entries(this.listeners)) untyped.on(event, listener);
    socket.on('disconnect', this.forget);
    // Called without await: nothing may escape as a rejection.
    try {
      // A revocation broadcast while the handshake ran found no connected socket to drop (the
      // adapter only reaches connected ones): check once more now that it would find this one.
      await this.authenticator.authenticate(token);
    } catch {
      socket.disconnect(true);
      return;
    }
    if (!socket.connected) return;
    this.expiry.add(socket, user.exp);
  }

  /**
   * `chat:join {bookingId}` → `{ok: true}` once the socket receives the conversation's messages
   * from every process (the join waits for the room's Redis subscription).
   */
  private async join(socket: AuthedSocket, body: unknown): Promise<ChatJoinAck> {
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
  private async send(socket: AuthedSocket, body: unknown): Promise<ChatSendAck> {
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
  @OnEvent(DomainEvent.NotificationCreated)
  deliverNotification({ userId, notification }: NotificationCreatedEvent): void {
    this.server?.to(SocketRoom.user(userId)).emit(SocketEvent.Notification, notification);
  }

  /** Logout, logout-all, session delete, force-logout: their live sockets go, on every process. */
  @OnEvent(DomainEvent.SessionsRevoked)
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

  /**
   * The listener of a client event with an acknowledgement, as `@SubscribeMessage` had it: the
   * payload is the first argument, the ack callback the last one (a client may omit it: the event
   * is still handled). The handlers answer every expected failure in their ack; anything else is
   * logged and answered `unavailable`.
   */
  private acked(
    event: string,
    handle: (socket: AuthedSocket, body: unknown) => Promise<unknown>,
  ): EventListener {
    return perSocket((socket, args) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : undefined;
      const body = args.length === 1 ? args[0] : args;
      handle(socket, body).then(
        (response) => ack?.(response),
        (error) => ack?.({ ok: false, error: this.ackError(error, event) }),
      );
    });
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

/** A listener shared by every socket: Socket.IO calls it with the socket as `this`. */
function perSocket(handle: (socket: AuthedSocket, args: unknown[]) => void): EventListener {
  return function (this: AuthedSocket, ...args: unknown[]): void {
    handle(this, args);
  };
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
