/** A loopback HTTP server standing in for an alert receiver: records requests, answers as told. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Answer = (req: Received, res: ServerResponse) => void;

export interface ReceiverServer {
  url: string;
  port: number;
  received: Received[];
  server: Server;
  close(): Promise<void>;
}

export async function receiverServer(answer: Answer = (_, res) => res.end('ok'), port = 0): Promise<ReceiverServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      answer(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}`,
    port: p,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits for a condition that an event will make true (no timing is asserted). */
export async function until(cond: () => boolean, what = 'condition', limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class Counter {
  counts: Record<string, number> = {};
  /** Dropped payloads, as `receiver:reason`. */
  drops: Record<string, number> = {};
  alertSent(receiver: string, result: 'success' | 'failure'): void {
    const k = `${receiver}:${result}`;
    this.counts[k] = (this.counts[k] ?? 0) + 1;
  }
  alertDropped(receiver: string, reason: 'queue_full' | 'rejected'): void {
    const k = `${receiver}:${reason}`;
    this.drops[k] = (this.drops[k] ?? 0) + 1;
  }
}
