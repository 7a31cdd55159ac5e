/**
 * ClientHellos for the TLS box's wire tests: Node's own, captured on loopback for chosen
 * node:tls options (its bytes and JA4, read with net/tls-hello), and what a server answered.
 */
import { createServer } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { ClientHelloError, ja4, parseClientHello, type ClientHello } from '../../src/net/tls-hello/index.js';

export interface CapturedHello {
  bytes: Buffer;
  hello: ClientHello;
  ja4: string;
}

const CAPTURE_MS = 5_000;

/** The ClientHello node:tls sends with these options, read off a loopback listener that never answers. */
export async function captureNodeHello(options: ConnectionOptions & { servername: string }): Promise<CapturedHello> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<CapturedHello>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ClientHello within the capture deadline')), CAPTURE_MS);
      server.once('connection', (sock) => {
        let bytes = Buffer.alloc(0);
        sock.on('data', (c: Buffer) => {
          bytes = Buffer.concat([bytes, c]);
          const hello = parseClientHello(bytes);
          if (hello instanceof ClientHelloError) {
            if (hello.code !== 'truncated') reject(hello);
            return;
          }
          clearTimeout(timer);
          sock.destroy();
          resolve({ bytes: bytes.subarray(0, hello.length), hello, ja4: ja4(hello) });
        });
      });
      const client = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });
      client.on('error', () => {});
      client.on('close', () => client.destroy());
    });
  } finally {
    server.close();
  }
}

/** Whether bytes a server sent start with a ServerHello: a handshake record whose first message is of type 2. */
export function startsWithServerHello(hex: string): boolean {
  const b = Buffer.from(hex, 'hex');
  return b.length >= 6 && b[0] === 22 && b[5] === 2;
}
