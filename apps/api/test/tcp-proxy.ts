import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A fault to inject on one proxied connection: when a chunk from the client contains
 * `clientSends`, the connection freezes. A frozen connection forwards nothing more in either
 * direction until the proxy stops, so the database never learns whether the client went on.
 */
export interface Fault {
  /** Bytes to look for in the client's traffic. */
  clientSends: Buffer;
  /**
   * Forward the matching chunk before freezing, and freeze only once the server has started
   * to reply to it: the statement ran, but its result never reaches the client. By default
   * the matching chunk is held back, so the statement never reaches the server.
   */
  forwardMatch?: boolean;
}

interface ArmedFault extends Fault {
  trip: () => void;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server on the loopback interface, to cut a client
 * off from the server at a chosen moment. `stop` closes the listening socket and destroys every
 * open connection; `start` listens again, on the same port when it had one.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly faults: ArmedFault[] = [];
  private listeningPort = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return this.listeningPort;
  }

  /** Listen on 127.0.0.1: on a free port the first time, then on the port used before. */
  async start(): Promise<void> {
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listeningPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stop listening and destroy every open connection, as if the server had gone away. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) {
      socket.destroy();
    }
    this.sockets.clear();
    if (server !== undefined) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Arm a fault for the next connection whose client sends its bytes; resolves once it struck. */
  inject(fault: Fault): Promise<void> {
    return new Promise((resolve) => {
      this.faults.push({ ...fault, trip: resolve });
    });
  }

  private forward(client: Socket): void {
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    this.track(client);
    this.track(upstream);
    let frozen = false;
    let awaitingReply: ArmedFault | undefined;

    client.on('data', (chunk: Buffer) => {
      if (frozen) {
        return;
      }
      const index = this.faults.findIndex((fault) => chunk.includes(fault.clientSends));
      if (index === -1) {
        upstream.write(chunk);
        return;
      }

      const [fault] = this.faults.splice(index, 1);
      if (fault!.forwardMatch === true) {
        upstream.write(chunk);
        awaitingReply = fault;
        return;
      }
      frozen = true;
      fault!.trip();
    });

    upstream.on('data', (chunk: Buffer) => {
      if (frozen) {
        return;
      }
      if (awaitingReply !== undefined) {
        frozen = true;
        awaitingReply.trip();
        return;
      }
      client.write(chunk);
    });

    // Either side closing or failing ends the pair, as a real network path would.
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

/**
 * Build the bytes of a PostgreSQL simple-protocol Query message for `sql`. The pg driver sends
 * a statement without parameters, such as `COMMIT`, in this form. The message is the type
 * byte `Q`, a 32-bit big-endian length that counts itself, and the text ending in a zero byte.
 */
export function simpleQueryMessage(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length + 4);
  return Buffer.concat([Buffer.from('Q'), length, text]);
}
