/**
 * Bounds of the HTTP listener under abuse: a connection cap that makes room by closing the
 * connection that has idled longest (a slowloris client still sending its head, or an idle
 * keep-alive) so /healthz and /metrics keep answering; deadlines on TLS handshakes, request heads,
 * whole requests and idle sockets; caps on head and body sizes; answers to malformed requests.
 */
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

export interface ListenerLimits {
  /** Open connections at most (server.maxConnections). */
  maxConnections: number;
  /** A request head must be complete this soon after the connection (or the previous request). */
  headersTimeoutMs: number;
  /** A whole request, body included. */
  requestTimeoutMs: number;
  /** A keep-alive connection with no request. */
  keepAliveTimeoutMs: number;
  /** Any connection with no traffic at all. */
  idleTimeoutMs: number;
  /** A TLS handshake. */
  handshakeTimeoutMs: number;
  /** How often Node checks the head and request deadlines; they can be late by this much. */
  checkIntervalMs: number;
  /** Request head (request line and headers) bytes at most. */
  maxHeaderBytes: number;
  /** Request body bytes at most (only POST /-/reload takes one, and needs none). */
  maxBodyBytes: number;
}

export const DEFAULT_MAX_CONNECTIONS = 256;

export const DEFAULT_LIMITS: ListenerLimits = {
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  handshakeTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 1024,
};

/** Options for http.createServer / https.createServer that carry the limits. */
export function serverOptions(l: ListenerLimits): {
  maxHeaderSize: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
  handshakeTimeout: number;
} {
  return {
    maxHeaderSize: l.maxHeaderBytes,
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.checkIntervalMs,
    handshakeTimeout: l.handshakeTimeoutMs,
  };
}

/** The status a malformed or late request gets (RFC 9110 §15.5, RFC 6585 §5), by Node's client error code. */
function clientErrorStatus(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

interface Conn {
  socket: Socket;
  /** Requests being answered on it now. */
  busy: number;
  /** When it last became idle (connected, or answered its last request): the oldest idle goes first. */
  idleSince: number;
}

export interface Guard {
  /** Connections open now. */
  readonly open: number;
  /** Connections closed to make room, and refused because every open one was busy. */
  readonly evicted: number;
  readonly refused: number;
  setMaxConnections(n: number): void;
}

/**
 * Applies the limits to a listener created with serverOptions(). Connections are keyed by their
 * remote address and port, which the raw socket (the 'connection' event) and the TLS socket a
 * request arrives on (https) share.
 */
export function guard(server: Server | HttpsServer, limits: ListenerLimits, log: Logger): Guard {
  let max = limits.maxConnections;
  const conns = new Map<string, Conn>();
  const key = (s: { remoteAddress?: string; remotePort?: number }): string => `${s.remoteAddress}|${s.remotePort}`;
  let evicted = 0;
  let refused = 0;
  let lastWarn = 0;
  const warn = (): void => {
    // Once a minute at most: an attack must not also flood the log.
    const now = Date.now();
    if (now - lastWarn < 60_000) return;
    lastWarn = now;
    log.warn({ maxConnections: max, evicted, refused }, 'connection cap reached: closing the connections idle longest');
  };

  /** Closes the connection idle longest; false when every one is busy answering. */
  const evictOne = (): boolean => {
    let oldest: Conn | null = null;
    for (const c of conns.values()) if (c.busy === 0 && (!oldest || c.idleSince < oldest.idleSince)) oldest = c;
    if (!oldest) return false;
    conns.delete(key(oldest.socket));
    oldest.socket.destroy();
    evicted++;
    return true;
  };

  server.on('connection', (socket: Socket) => {
    if (conns.size >= max) {
      warn();
      while (conns.size >= max && evictOne());
      if (conns.size >= max) {
        refused++;
        socket.destroy();
        return;
      }
    }
    const k = key(socket);
    conns.set(k, { socket, busy: 0, idleSince: performance.now() });
    socket.once('close', () => {
      if (conns.get(k)?.socket === socket) conns.delete(k);
    });
  });

  server.on('request', (req, res) => {
    const c = conns.get(key(req.socket));
    if (!c) return;
    c.busy++;
    res.once('close', () => {
      c.busy--;
      c.idleSince = performance.now();
    });
  });

  server.setTimeout(limits.idleTimeoutMs, (socket) => socket.destroy());
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Never echo what the client sent: it may carry credentials.
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    socket.end(`HTTP/1.1 ${clientErrorStatus(err.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  // A TLS client that never finishes its handshake, or sends garbage: dropped quietly.
  server.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());

  return {
    get open() {
      return conns.size;
    },
    get evicted() {
      return evicted;
    },
    get refused() {
      return refused;
    },
    setMaxConnections(n: number) {
      max = n;
    },
  };
}

/**
 * Counts events and logs them at most once per `everyMs`, with the count since the last line:
 * for what a client can repeat at will (wrong credentials), so the log says it happens without
 * growing with it.
 */
export function throttledLog(log: Logger, everyMs: number, msg: string): (fields: Record<string, unknown>) => void {
  let last = -Infinity;
  let count = 0;
  return (fields) => {
    count++;
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    log.info({ ...fields, count }, msg);
    count = 0;
  };
}
