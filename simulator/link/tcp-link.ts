// The host link on TCP, 127.0.0.1 only: one client at a time (a reader has one host); a second
// connection is refused while the first is open, and a client may disconnect and come back.
import { createServer, type Server, type Socket } from 'node:net';
import { LinkError } from '../errors.ts';
import type { Reader } from '../reader/reader.ts';

export class TcpLink {
  private client: Socket | undefined;
  private readonly stopListening: () => void;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    reader: Reader,
  ) {
    this.stopListening = reader.onHostData((bytes) => this.client?.write(bytes));
  }

  static listen(reader: Reader, port: number): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      let link: TcpLink | undefined;
      const server = createServer((socket) => link?.accept(socket, reader));
      server.once('error', (e) =>
        reject(new LinkError(`cannot listen on 127.0.0.1:${port}: ${(e as Error).message}`)),
      );
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const bound = typeof address === 'object' && address ? address.port : port;
        link = new TcpLink(server, bound, reader);
        resolve(link);
      });
    });
  }

  private accept(socket: Socket, reader: Reader): void {
    if (this.client) {
      socket.destroy();
      return;
    }
    this.client = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => reader.hostWrite(chunk));
    const gone = () => {
      if (this.client === socket) this.client = undefined;
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }

  close(): Promise<void> {
    this.stopListening();
    this.client?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
