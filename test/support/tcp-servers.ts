/** Loopback TCP listeners that accept, reset, close, or never accept; and a port nothing listens on. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';

export interface Listener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** A listener whose connections get `onConn`; all of them are destroyed on close. */
export function listen(onConn: (s: Socket) => void, host = '127.0.0.1'): Promise<Listener> {
  const server: Server = createServer((s) => {
    s.on('error', () => {});
    onConn(s);
  });
  return serve(server, host);
}

/** Listens on a free port of `host`, tracking connections so that close() ends them all. */
export async function serve(server: Server, host: string): Promise<Listener> {
  const conns = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, host, () => res());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const c of conns) c.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** Accepts and holds connections open, saying nothing. */
export const acceptSilently = (host?: string): Promise<Listener> => listen(() => {}, host);

/** Answers each connection with a TCP RST. */
export const resetOnAccept = (host?: string): Promise<Listener> => listen((s) => s.resetAndDestroy(), host);

/** Resets when the client first sends (e.g. after a ClientHello): what an SNI filter's RST looks like. */
export const resetOnData = (host?: string): Promise<Listener> => listen((s) => s.once('data', () => s.resetAndDestroy()), host);

/** Closes (FIN) when the client first sends. */
export const closeOnData = (host?: string): Promise<Listener> => listen((s) => s.once('data', () => s.end()), host);

/** A loopback port with no listener: connecting is refused. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const l = await listen(() => {}, host);
  await l.close();
  return l.port;
}

/**
 * A listener that never accepts: a worker thread listens with a backlog of 1 and then blocks its
 * event loop, so the kernel completes a handshake or two and then drops further SYNs. Connecting
 * beyond that hangs until the client's deadline — a SYN timeout that stays on loopback.
 */
export async function neverAccepting(host = '127.0.0.1', port = 0): Promise<Listener & { fill(): Promise<void> }> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const net = require('node:net');
    const server = net.createServer();
    server.listen({ port: ${port}, host: ${JSON.stringify(host)}, backlog: 1 }, () => {
      parentPort.postMessage(server.address().port);
      parentPort.once('message', () => {});
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
    });`;
  const worker = new Worker(code, { eval: true });
  const bound = await new Promise<number>((res) => worker.once('message', res));
  const held: Socket[] = [];
  return {
    host,
    port: bound,
    /** Opens connections until the accept queue is full, so the next SYN is dropped. */
    async fill() {
      const { Socket: S } = await import('node:net');
      for (let i = 0; i < 4; i++) {
        const s = new S();
        s.on('error', () => {});
        held.push(s);
        s.connect(bound, host);
      }
      await new Promise((r) => setTimeout(r, 100));
    },
    async close() {
      for (const s of held) s.destroy();
      await worker.terminate();
    },
  };
}

/** Writes `n` bytes of `chunk` repeated (the last one cut short) into `out`, waiting on drain, then ends it. */
export function writeRepeated(out: Writable, n: number, chunk: Buffer): void {
  let left = n;
  const pump = (): void => {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!out.write(part)) return void out.once('drain', pump);
    }
    out.end();
  };
  pump();
}
