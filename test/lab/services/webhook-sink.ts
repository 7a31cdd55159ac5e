/** A webhook receiver that records every POST it gets, so tests can read back the alerts sent. */
import { createServer, type Server } from 'node:http';

export interface ReceivedPost {
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
  receivedAt: string;
}

export interface WebhookSink {
  received(): ReceivedPost[];
  clear(): void;
  /** Status to answer with (e.g. 500 to exercise a sender's retries); 200 by default. */
  setStatus(code: number): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startWebhookSink(address: string, port: number): Promise<WebhookSink> {
  const posts: ReceivedPost[] = [];
  let status = 200;
  const srv: Server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    let size = 0;
    req.setTimeout(10_000, () => req.destroy());
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      posts.push({ path: req.url ?? '/', headers, body, receivedAt: new Date().toISOString() });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, address, () => resolve());
  });
  return {
    received: () => posts.slice(),
    clear: () => void posts.splice(0),
    setStatus: (code) => void (status = code),
    async close() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    },
  };
}
