import { io, Socket as UntypedSocket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerEventPayload,
  ServerToClientEvents,
} from '../../src/realtime/realtime.events';

/** A client socket typed with the server's own event map (src/realtime/realtime.events.ts). */
export type Socket = UntypedSocket<ServerToClientEvents, ClientToServerEvents>;

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
    const socket: Socket = io(url, {
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
export type ChatMessagePayload = ServerEventPayload<'chat:message'>;
export type NotificationPayload = ServerEventPayload<'notification'>;

/** The acknowledgement of a client → server event, as the server types it. */
export type AckOf<E extends keyof ClientToServerEvents> = Parameters<
  Parameters<ClientToServerEvents[E]>[1]
>[0];

/** Emits and waits for the acknowledgement. */
export function emitWithAck<E extends keyof ClientToServerEvents>(
  socket: Socket,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
): Promise<AckOf<E>> {
  return emitUntyped(socket, event, payload) as Promise<AckOf<E>>;
}

/** Emits anything, typed or not (malformed payloads, unknown events), and waits for an ack. */
export function emitUntyped(socket: Socket, event: string, ...args: unknown[]): Promise<unknown> {
  return (socket as UntypedSocket).timeout(DEFAULT_TIMEOUT_MS).emitWithAck(event, ...args);
}

/**
 * A round trip on this socket's connection: resolves once the server has answered a request sent
 * now. Anything the server wrote to this socket before handling the request has arrived by then
 * (one ordered connection), so "nothing arrived" can be asserted right after, without a sleep.
 */
export async function roundTrip(socket: Socket): Promise<void> {
  // A payload the server refuses without side effects: only the answer matters.
  const answer = await emitUntyped(socket, 'chat:join', null);
  if (JSON.stringify(answer) !== JSON.stringify({ ok: false, error: 'invalid_payload' })) {
    throw new Error(`unexpected round-trip answer ${JSON.stringify(answer)}`);
  }
}

/** The next `event` received by the socket. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: Socket,
  event: E,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ServerEventPayload<E>> {
  const untyped = socket as UntypedSocket;
  const name: string = event;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      untyped.off(name, onEvent);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: unknown) => {
      clearTimeout(timer);
      resolve(payload as ServerEventPayload<E>);
    };
    untyped.once(name, onEvent);
  });
}

/** Everything `event` delivers to the socket from now on (to assert that nothing arrived). */
export function recordEvents<E extends keyof ServerToClientEvents>(
  socket: Socket,
  event: E,
): ServerEventPayload<E>[] {
  const received: ServerEventPayload<E>[] = [];
  const name: string = event;
  (socket as UntypedSocket).on(name, (payload: unknown) => {
    received.push(payload as ServerEventPayload<E>);
  });
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

/**
 * A "never hangs" bound for operations that must finish (close, disconnect, deliver): generous for
 * a loaded CI machine, because the failure it catches is waiting forever, not being slow.
 */
export const NEVER_HANGS_MS = 10_000;

/** The stored message of a successful `chat:send` acknowledgement (throws with its error otherwise). */
export function sentMessage(ack: AckOf<'chat:send'>): ChatMessagePayload {
  if (!ack.ok) throw new Error(`chat:send refused: ${ack.error}`);
  return ack.message;
}
