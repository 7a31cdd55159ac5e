/**
 * The lab's app hosts: one HTTPS server answering for every lab name on every address of
 * the servers namespace, plus plain TCP listeners. A host can be told to answer the
 * client's censored path (or everyone) with a legal block (451), a blockpage, a redirect
 * to an ISP warning page, a reset or a stall after the request, or a freeze part-way
 * through the body: user-space stand-ins for what an in-path box or a geo-blocking origin
 * does once TLS is through; or with a body paced slow for everyone. `?size=N` pads a host's
 * page to N bytes, so that a body read can pass the 16–20 KB after which censors freeze flows;
 * `/blob?bytes=N` is an object of N bytes for throughput probes.
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * `freeze`: the page's first 16 KB (FREEZE_AFTER_BYTES), then nothing more on that connection;
 * `slow`: the whole answer, paced at `bitsPerSecond` (a server slow for everyone).
 */
export type HostMode = '451' | 'blockpage' | 'redirect' | 'reset' | 'stall' | 'freeze' | 'slow';

export interface HostRule {
  mode: HostMode;
  /** `client`: only requests from the censored path (the client's ISP address); `everyone`: an outage-like fault. */
  scope: 'client' | 'everyone';
  /** For `slow`: the pace of the body. */
  bitsPerSecond?: number;
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
/** Where a frozen page stops: 16 KB of body, inside the 16–20 KB reported for Russia's freezes (net4people/bbs #490). */
export const FREEZE_AFTER_BYTES = 16 * 1024;
/** A frozen page's size when the request names none: more than the freeze band, less than blockwatch's 64 KB body cap. */
export const FREEZE_PAGE_BYTES = 48 * 1024;
/**
 * TLS plaintext per record for sized pages. With 16 KB records a client that loses the
 * flow mid-record decrypts nothing of it; small records, as servers with dynamic record
 * sizing send early in a connection, let a frozen read show the bytes that did arrive.
 */
const SMALL_RECORD_BYTES = 1024;
/** A slow body goes out in slices this big, each when the pace allows. */
const SLOW_SLICE_BYTES = 8 * 1024;

/** Writes `body` at `bitsPerSecond`, slice by slice, each once its last byte is due; stops when the client goes. */
function writePaced(res: ServerResponse, body: Buffer, bitsPerSecond: number): void {
  const t0 = performance.now();
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent >= body.length) {
      res.end();
      return;
    }
    const slice = body.subarray(sent, sent + SLOW_SLICE_BYTES);
    // No byte leaves before the pace allows it: the whole body takes at least its bits at the rate.
    const due = t0 + ((sent + slice.length) * 8 * 1000) / bitsPerSecond;
    setTimeout(() => {
      if (res.destroyed) return;
      sent += slice.length;
      res.write(slice);
      next();
    }, Math.max(0, due - performance.now()));
  };
  next();
}

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

/** The host's page padded to exactly `size` bytes (never shorter than the plain page). */
export function sizedPage(host: string, size: number): string {
  const head = `<html><head><title>${host} lab app</title></head><body><h1>${host}</h1><p>`;
  const tail = '</p></body></html>';
  const room = Math.max(0, Math.min(size, MAX_BLOB_BYTES) - head.length - tail.length);
  const filler = 'lab app content '.repeat(Math.ceil(room / 16)).slice(0, room);
  return head + filler + tail;
}

function requestedNumber(req: IncomingMessage, name: string): number | null {
  const raw = new URL(req.url ?? '/', 'https://lab').searchParams.get(name);
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
}

const requestedSize = (req: IncomingMessage): number | null => requestedNumber(req, 'size');

/**
 * TLS plaintext per record for a sized page: SMALL_RECORD_BYTES, or `?records=N` (512 to 16384).
 * `?records=16384` is what nginx and most origins send: the response head and the first 16 KB of
 * body travel in one record, which a freeze before ~20 KB leaves incomplete.
 */
function recordBytes(req: IncomingMessage): number {
  const n = requestedNumber(req, 'records');
  return n === null ? SMALL_RECORD_BYTES : Math.min(16_384, Math.max(512, n));
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
        case 'freeze': {
          const body = Buffer.from(sizedPage(host, requestedSize(req) ?? FREEZE_PAGE_BYTES));
          (req.socket as TLSSocket).setMaxSendFragment(SMALL_RECORD_BYTES);
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
          res.write(body.subarray(0, FREEZE_AFTER_BYTES));
          hold(req.socket);
          return;
        }
        case 'slow':
          break;
      }
    }
    const paced = rule?.mode === 'slow' && (rule.scope === 'everyone' || fromClient) ? (rule.bitsPerSecond ?? 1_000_000) : null;
    const send = (type: string, body: Buffer): void => {
      res.writeHead(200, { 'content-type': type, 'content-length': body.length });
      if (paced !== null) writePaced(res, body, paced);
      else res.end(body);
    };
    const url = new URL(req.url ?? '/', 'https://lab');
    if (url.pathname.startsWith('/blob')) {
      // ?bytes=N sizes the body (capped), so a throughput probe moves exactly what it asks for.
      const bytes = Math.min(Number(url.searchParams.get('bytes')) || BLOB_BYTES, MAX_BLOB_BYTES);
      send('application/octet-stream', Buffer.alloc(bytes, 0x61));
      return;
    }
    const size = requestedSize(req);
    if (size !== null) (req.socket as TLSSocket).setMaxSendFragment(recordBytes(req));
    send('text/html; charset=utf-8', Buffer.from(size === null ? page(host) : sizedPage(host, size)));
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
