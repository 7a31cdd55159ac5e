/**
 * Hostile peers on loopback whose bytes the test writes itself: HTTP(S) answers with endless,
 * oversized or trickled heads and bodies, gzip bombs, TLS servers sending garbage or long chains,
 * and proxies that answer garbage or nothing. Every writer respects backpressure and stops when
 * the client goes, so the server side never buffers what the client refused to read.
 */
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createServer, type Socket } from 'node:net';
import { createGzip } from 'node:zlib';
import { serve, writeRepeated, type Listener } from './tcp-servers.js';
import type { Leaf } from './pki.js';

/** Head of a request: everything up to the blank line (requests here are small). */
const REQUEST_HEAD_CAP = 64 * 1024;

/**
 * Calls `onRequest` with the socket once the client's request head has arrived (over TLS with
 * `leaf`, plain TCP without). The handler writes whatever it likes; the request body, if any, is
 * left unread.
 */
export function rawHttpServer(onRequest: (sock: Socket, head: string) => void, leaf?: Leaf, host = '127.0.0.1'): Promise<Listener> {
  const onConn = (sock: Socket): void => {
    sock.on('error', () => {});
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0 && buf.length < REQUEST_HEAD_CAP) return;
      sock.off('data', onData);
      // The rest of the request (a DoH body) is read and ignored, so the client's writes never block.
      sock.resume();
      onRequest(sock, buf.slice(0, end < 0 ? buf.length : end));
    };
    sock.on('data', onData);
  };
  if (leaf) {
    const server = createTlsServer({ cert: leaf.chain, key: leaf.key, ALPNProtocols: ['http/1.1'] }, (s: TLSSocket) => onConn(s));
    server.on('tlsClientError', () => {});
    return serve(server as never, host);
  }
  return serve(createServer(onConn), host);
}

/** Writes `bytes` one byte every `everyMs` until done or the client goes. */
export function trickle(sock: Socket, bytes: Buffer | string, everyMs = 1000): void {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  let i = 0;
  const t = setInterval(() => {
    if (sock.destroyed || i >= b.length) return clearInterval(t);
    sock.write(b.subarray(i, ++i));
  }, everyMs);
  sock.once('close', () => clearInterval(t));
}

/** Where pump writes: a socket, or an HTTP response (whose head goes first). */
export interface Sink {
  write(b: Buffer): boolean;
  once(event: 'drain' | 'close', f: () => void): unknown;
  off(event: 'close', f: () => void): unknown;
  readonly destroyed: boolean;
}

/**
 * Writes `chunk` again and again, `total` bytes in all (Infinity: until the client goes), waiting
 * for 'drain' whenever the socket's buffer is full; `wrap` frames each chunk (chunked encoding).
 * One chunk per turn of the event loop: on loopback the kernel takes megabytes before write()
 * says "full", and a client in this same process must get to read meanwhile, loaded machine or not.
 * Resolves with the bytes written once it stops.
 */
export function pump(sock: Sink, chunk: Buffer, total = Infinity, wrap: (b: Buffer) => Buffer = (b) => b): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const stop = (): void => resolve(sent);
    sock.once('close', stop);
    const go = (): void => {
      if (!sock.destroyed && sent < total) {
        const part = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent);
        sent += part.length;
        if (!sock.write(wrap(part))) sock.once('drain', go);
        else setImmediate(go);
        return;
      }
      if (sent >= total) {
        sock.off('close', stop);
        resolve(sent);
      }
    };
    go();
  });
}

/** One chunk of HTTP/1.1 chunked transfer coding (RFC 9112 §7.1). */
export const chunked = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);

/** gzip of `inflated` zero bytes, compressed as a stream so the inflated bytes never exist at once (~1000:1). */
export function gzipBomb(inflated: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gz = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gz.on('data', (d: Buffer) => out.push(d));
    gz.on('end', () => resolve(Buffer.concat(out)));
    gz.on('error', reject);
    writeRepeated(gz, inflated, Buffer.alloc(1 << 20));
  });
}

/** A HTTP/1.1 response head with the given status line and header lines. */
export function head(statusLine: string, headers: string[] = []): string {
  return `${statusLine}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
}
