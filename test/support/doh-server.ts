/** A loopback DoH server (RFC 8484 POST) over HTTPS with a test-CA certificate, answering like the DNS server. */
import type { Leaf } from './pki.js';
import { respond, type Behaviour } from './dns-server.js';
import { startHttpsServer, type Running } from './tls-servers.js';

export function startDohServer(leaf: Leaf, rules: (name: string, type: string) => Behaviour): Promise<Running & { seen: string[] }> {
  const seen: string[] = [];
  return startHttpsServer(leaf, (req, res) => {
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/dns-message') {
      res.writeHead(415);
      return void res.end();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const out = respond(Buffer.concat(chunks), rules, seen);
      if (out.length === 0) return; // silent: the client's deadline ends it
      // Over HTTPS only one reply exists; an injected pair shows up as its true reply.
      const last = out[out.length - 1];
      res.writeHead(200, { 'content-type': 'application/dns-message' });
      res.end(last.buf);
    });
  }).then((r) => Object.assign(r, { seen }));
}
