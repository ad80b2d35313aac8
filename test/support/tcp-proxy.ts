import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a real service (the shared Redis or PostgreSQL), so a test can
 * take the service away from one application without stopping it for everyone else:
 * - `cut()` drops every connection and refuses new ones until `restore()` (a dead service);
 * - `blackhole(true)` keeps connections open but forwards nothing (a silent, hung service).
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private swallowing = false;
  private readonly server: Server;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** A proxy in front of the service at this URL (redis://, postgres://...). */
  static forUrl(url: string, defaultPort: number): Promise<TcpProxy> {
    const target = new URL(url);
    return TcpProxy.start(target.hostname, Number(target.port || defaultPort));
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** The given URL, pointed at this proxy instead of the service. */
  url(through: string): string {
    const url = new URL(through);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  cut(): void {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.refusing = false;
    this.swallowing = false;
  }

  blackhole(on: boolean): void {
    this.swallowing = on;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (data) => {
      if (!this.swallowing) upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }
}
