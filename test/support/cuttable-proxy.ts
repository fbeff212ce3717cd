import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of a server (NATS, say) that can be cut: every connection dropped, new ones refused. */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = tcpConnect(Number(this.target.port || 4222), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async outage(ms: number): Promise<void> {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
    await sleep(ms);
    this.cut = false;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
