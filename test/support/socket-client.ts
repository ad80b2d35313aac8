import { io, Socket } from 'socket.io-client';
import type { ChatMessageView } from '../../src/chat/chat.types';
import type { NotificationView } from '../../src/notifications/notification.types';

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Real socket.io-client connections for e2e tests. Websocket transport only (no long-polling),
 * as with several API processes without sticky sessions; no automatic reconnection, so a
 * server-side disconnect stays visible to the test. `closeAll()` in afterAll/afterEach.
 */
export class SocketClients {
  private readonly sockets: Socket[] = [];

  /** An unconnected socket (call `.connect()` yourself or use `connect`/`connectError`). */
  create(url: string, auth?: Record<string, unknown>): Socket {
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
      forceNew: true,
      auth,
    });
    this.sockets.push(socket);
    return socket;
  }

  /** Connected with this access token; rejects with the server's reason when refused. */
  async connect(url: string, token: string): Promise<Socket> {
    const socket = this.create(url, { token });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('socket connect timed out')),
        DEFAULT_TIMEOUT_MS,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.connect();
    });
    return socket;
  }

  /** The `connect_error` message of a refused handshake (fails the test if it connects). */
  async connectError(url: string, auth?: Record<string, unknown>): Promise<string> {
    const socket = this.create(url, auth);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no connect_error')), DEFAULT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        reject(new Error('connected although it should have been refused'));
      });
      socket.once('connect_error', (error) => {
        clearTimeout(timer);
        resolve(error.message);
      });
      socket.connect();
    });
  }

  closeAll(): void {
    for (const socket of this.sockets.splice(0)) socket.disconnect();
  }
}

/** What `chat:message` and `notification` carry: the API's own views. */
export type ChatMessagePayload = ChatMessageView;
export type NotificationPayload = NotificationView;

/** `{ok: true, ...}` or `{ok: false, error}`, as chat:join / chat:send acknowledge. */
export interface Ack {
  ok: boolean;
  error?: string;
  message?: ChatMessagePayload;
}

/** Emits and waits for the acknowledgement. */
export function emitWithAck(socket: Socket, event: string, ...args: unknown[]): Promise<Ack> {
  return socket.timeout(DEFAULT_TIMEOUT_MS).emitWithAck(event, ...args) as Promise<Ack>;
}

/** The next `event` received by the socket. */
export function nextEvent<T = unknown>(
  socket: Socket,
  event: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, onEvent);
  });
}

/** Everything `event` delivers to the socket from now on (to assert that nothing arrived). */
export function recordEvents<T = unknown>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Resolves with the disconnect reason once the server drops the socket. */
export function nextDisconnect(socket: Socket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`still connected after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
