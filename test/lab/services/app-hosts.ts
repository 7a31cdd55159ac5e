/**
 * The lab's app hosts: one HTTPS server answering for every lab name on every address of
 * the servers namespace, plus plain TCP listeners. A host can be told to answer the
 * client's censored path (or everyone) with a legal block (451), a blockpage, a redirect
 * to an ISP warning page, a reset or a stall after the request: user-space stand-ins for
 * what an in-path box or a geo-blocking origin does once TLS is through.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HostMode = '451' | 'blockpage' | 'redirect' | 'reset' | 'stall';

export interface HostRule {
  mode: HostMode;
  /** `client`: only requests from the censored path (the client's ISP address); `everyone`: an outage-like fault. */
  scope: 'client' | 'everyone';
}

export interface AppHostsSpec {
  address: string;
  cert: string;
  key: string;
  /** Source address of requests that crossed the censor. */
  clientAddress: string;
  tcpPorts: number[];
}

export interface AppHosts {
  setRule(host: string, rule: HostRule | null): void;
  clearRules(): void;
  close(): Promise<void>;
}

/** Body of the lab's blockpage; the lab's HTTP fingerprints match its phrases. */
export const BLOCKPAGE_BODY =
  '<html><head><title>Access restricted</title></head><body><h1>Access restricted</h1>' +
  '<p>Access to this resource is restricted by order of the Lab Communications Regulator.</p>' +
  '<p>See <a href="http://blocklist.regulator.lab/">blocklist.regulator.lab</a>.</p></body></html>';
export const WARNING_URL = 'http://warning.isp.lab/';
export const BLOB_BYTES = 1024 * 1024;
const MAX_BLOB_BYTES = 16 * 1024 * 1024;
const HOLD_MS = 30_000;

/** Sends a TCP RST: a TLS socket's own handle cannot, the TCP socket under it can. */
function resetConnection(sock: Socket): void {
  const raw = (sock as Socket & { _parent?: Socket })._parent ?? sock;
  try {
    raw.resetAndDestroy();
  } catch {
    sock.destroy();
  }
}

function page(host: string): string {
  const filler = 'lab app content '.repeat(100);
  return `<html><head><title>${host} lab app</title></head><body><h1>${host}</h1><p>${filler}</p></body></html>`;
}

export async function startAppHosts(spec: AppHostsSpec): Promise<AppHosts> {
  const rules = new Map<string, HostRule>();
  const held = new Set<Socket>();
  const hold = (s: Socket) => {
    held.add(s);
    s.on('close', () => held.delete(s));
    s.on('error', () => s.destroy());
    s.setTimeout(HOLD_MS, () => s.destroy());
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const rule = rules.get(host);
    const fromClient = req.socket.remoteAddress?.replace(/^::ffff:/, '') === spec.clientAddress;
    if (rule && (rule.scope === 'everyone' || fromClient)) {
      switch (rule.mode) {
        case '451':
          res.writeHead(451, { 'content-type': 'text/html', link: '<http://regulator.lab/>; rel="blocked-by"' });
          res.end('<html><head><title>Unavailable For Legal Reasons</title></head><body>Blocked by order of the Lab Regulator.</body></html>');
          return;
        case 'blockpage':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BLOCKPAGE_BODY);
          return;
        case 'redirect':
          res.writeHead(302, { location: WARNING_URL, 'content-length': 0 }).end();
          return;
        case 'reset':
          resetConnection(req.socket);
          return;
        case 'stall':
          hold(req.socket);
          return;
      }
    }
    const url = new URL(req.url ?? '/', 'https://lab');
    if (url.pathname.startsWith('/blob')) {
      // ?bytes=N sizes the body (capped), so a throughput probe moves exactly what it asks for.
      const bytes = Math.min(Number(url.searchParams.get('bytes')) || BLOB_BYTES, MAX_BLOB_BYTES);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
      res.end(Buffer.alloc(bytes, 0x61));
      return;
    }
    const body = page(host);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  }

  const https: Server = createHttpsServer({ cert: spec.cert, key: spec.key }, handle);
  https.on('tlsClientError', () => {}); // probes that hang up mid-handshake are normal here
  await new Promise<void>((resolve, reject) => {
    https.once('error', reject);
    https.listen(443, spec.address, () => resolve());
  });

  const tcp: TcpServer[] = [];
  for (const port of spec.tcpPorts) {
    const srv = createTcpServer(hold);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, spec.address, () => resolve());
    });
    tcp.push(srv);
  }

  return {
    setRule(host, rule) {
      if (rule) rules.set(host.toLowerCase(), rule);
      else rules.delete(host.toLowerCase());
    },
    clearRules() {
      rules.clear();
    },
    async close() {
      for (const s of held) s.destroy();
      https.closeAllConnections();
      await new Promise((r) => https.close(r));
      for (const srv of tcp) await new Promise((r) => srv.close(r));
    },
  };
}
