/**
 * ClientHellos for the TLS box's wire tests: Node's own, captured on loopback for chosen
 * node:tls options (its bytes and JA4), and the same hello with a GREASE ECH extension added
 * (RFC 9849 §6.2), written with net/tls-hello's parser and encoder.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { ClientHelloError, EXT, ja4, parseClientHello, type ClientHello } from '../../src/net/tls-hello/index.js';
import { encodeClientHelloMessage, inRecords } from '../../src/net/tls-hello/encode.js';

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

/** ECHClientHello of type outer (RFC 9849 §5) with GREASE values (§6.2): HKDF-SHA256, AES-128-GCM, a random config id, an X25519-sized enc, a random payload. */
function greaseEch(): Buffer {
  const enc = randomBytes(32);
  const payload = randomBytes(208);
  const out = Buffer.alloc(1 + 2 + 2 + 1 + 2 + enc.length + 2 + payload.length);
  let at = out.writeUInt8(0, 0);
  at = out.writeUInt16BE(0x0001, at);
  at = out.writeUInt16BE(0x0001, at);
  at = out.writeUInt8(randomBytes(1)[0], at);
  at = out.writeUInt16BE(enc.length, at);
  at += enc.copy(out, at);
  at = out.writeUInt16BE(payload.length, at);
  payload.copy(out, at);
  return out;
}

/** The hello's bytes with a GREASE ECH extension added (before pre_shared_key, which must stay last). */
export function withGreaseEch(h: ClientHello): Buffer {
  const exts = [...h.extensions];
  const psk = exts.findIndex((e) => e.type === EXT.pre_shared_key);
  exts.splice(psk < 0 ? exts.length : psk, 0, { type: EXT.encrypted_client_hello, data: greaseEch() });
  const message = encodeClientHelloMessage({ ...h, extensions: exts });
  return inRecords(message, h.recordVersion ?? 0x0301);
}

/** Whether bytes a server sent start with a ServerHello: a handshake record whose first message is of type 2. */
export function startsWithServerHello(hex: string): boolean {
  const b = Buffer.from(hex, 'hex');
  return b.length >= 6 && b[0] === 22 && b[5] === 2;
}
