/** Loopback TLS and HTTPS servers with test-CA certificates, and handlers for the pages tests need. */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Leaf, TestCA } from './pki.js';
import { runCA, runLeaf } from './run-pki.js';
import { serve, writeRepeated } from './tcp-servers.js';

export interface Running {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The run's test CA and its leaf for `names` plus 127.0.0.1 and ::1 (made once per run, run-pki.ts). */
export function testPki(names: string[] = ['app.test']): { ca: TestCA; leaf: Leaf } {
  return { ca: runCA(), leaf: runLeaf(names) };
}

function start(server: HttpsServer | HttpServer | ReturnType<typeof createTlsServer>, host: string): Promise<Running> {
  return serve(server as never, host);
}

/** A TLS server that completes handshakes (ALPN h2 and http/1.1 offered) and then holds the connection. */
export function startTlsServer(leaf: Leaf, host = '127.0.0.1'): Promise<Running> {
  const server = createTlsServer({ cert: leaf.cert, key: leaf.key, ALPNProtocols: ['h2', 'http/1.1'] }, (s: TLSSocket) => {
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  return start(server, host);
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function startHttpsServer(leaf: Leaf, handler: Handler, host = '127.0.0.1'): Promise<Running> {
  const server = createHttpsServer({ cert: leaf.cert, key: leaf.key }, handler);
  server.on('tlsClientError', () => {});
  return start(server, host);
}

export function startHttpServer(handler: Handler, host = '127.0.0.1'): Promise<Running> {
  return start(createHttpServer(handler), host);
}

/** Routes the https engine tests use. */
export const pages: Handler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/':
      res.writeHead(200, { 'content-type': 'text/html', 'x-test': 'yes' });
      res.end('<html><head><title>Hello app</title></head><body>fine</body></html>');
      return;
    case '/451':
      res.writeHead(451, { 'content-type': 'text/html' });
      res.end('<html><title>Unavailable For Legal Reasons</title></html>');
      return;
    case '/stall':
      // Never answers: the request's deadline must end it.
      return;
    case '/stall-body':
      // ?n= bytes of body, then silence: a flow frozen part-way.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(Number(url.searchParams.get('n') ?? 1000), 0x61));
      return;
    case '/trickle': {
      // A slow transfer that keeps moving: one byte every ?every= ms, ?n= bytes in all.
      const n = Number(url.searchParams.get('n') ?? 10);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
      let sent = 0;
      const t = setInterval(() => {
        if (res.destroyed) return clearInterval(t);
        res.write('c');
        if (++sent === n) {
          clearInterval(t);
          res.end();
        }
      }, Number(url.searchParams.get('every') ?? 50));
      return;
    }
    case '/big': {
      const n = Number(url.searchParams.get('n') ?? 1_000_000);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
      writeRepeated(res, n, Buffer.alloc(16_384, 0x62));
      return;
    }
    case '/redirect':
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      res.end();
      return;
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      res.end();
      return;
    case '/reset':
      // Plain HTTP only: a TLS socket cannot be reset this way.
      req.socket.resetAndDestroy();
      return;
    default:
      res.writeHead(404);
      res.end('not found');
  }
};
