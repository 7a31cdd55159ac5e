/**
 * The control vantage's way out: a SOCKS5 proxy (RFC 1928, no auth, CONNECT only) and an
 * HTTP CONNECT proxy, both in the abroad namespace so their traffic never crosses the
 * censor. A deny list lets a scenario take the control away for one destination.
 */
import { Resolver } from 'node:dns/promises';
import { createServer, connect, isIP, type Server, type Socket } from 'node:net';

export interface ProxiesSpec {
  address: string;
  socksPort: number;
  connectPort: number;
  /** Resolver for names the client hands over (SOCKS5 domain addresses, CONNECT host names). */
  resolver: string;
}

export interface Proxies {
  /** Destinations (IP or name) the proxies refuse, as a filtered path would. */
  setDenied(destinations: string[]): void;
  close(): Promise<void>;
}

const HANDSHAKE_MS = 5_000;
const UPSTREAM_MS = 5_000;
const MAX_HEADER_BYTES = 8192;

type Outcome = { sock: Socket } | { code: string };

export async function startProxies(spec: ProxiesSpec): Promise<Proxies> {
  let denied = new Set<string>();
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([spec.resolver]);
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  async function open(host: string, port: number): Promise<Outcome> {
    if (denied.has(host)) return { code: 'EDENIED' };
    let ip = host;
    if (!isIP(host)) {
      try {
        ip = (await resolver.resolve4(host))[0] ?? '';
      } catch {
        return { code: 'ENOTFOUND' };
      }
      if (!ip) return { code: 'ENOTFOUND' };
    }
    if (denied.has(ip)) return { code: 'EDENIED' };
    return new Promise((resolve) => {
      const up = connect({ host: ip, port });
      track(up);
      const timer = setTimeout(() => {
        up.destroy();
        resolve({ code: 'ETIMEDOUT' });
      }, UPSTREAM_MS);
      up.once('connect', () => {
        clearTimeout(timer);
        resolve({ sock: up });
      });
      up.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: e.code ?? 'EFAIL' });
      });
    });
  }

  function splice(a: Socket, b: Socket, head?: Buffer): void {
    if (head?.length) b.write(head);
    a.pipe(b);
    b.pipe(a);
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
  }

  const SOCKS_REPLY: Record<string, number> = { EDENIED: 2, ENETUNREACH: 3, EHOSTUNREACH: 4, ENOTFOUND: 4, ECONNREFUSED: 5, ETIMEDOUT: 6 };

  const socks = createServer((client) => {
    track(client);
    client.setTimeout(HANDSHAKE_MS, () => client.destroy());
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'busy' = 'greeting';
    const onData = async (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_HEADER_BYTES) return client.destroy();
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        if (buf[0] !== 5) return client.destroy();
        const methods = buf.subarray(2, 2 + buf[1]);
        buf = buf.subarray(2 + buf[1]);
        if (!methods.includes(0)) return void client.end(Buffer.from([5, 0xff]));
        client.write(Buffer.from([5, 0]));
        stage = 'request';
      }
      if (stage === 'request') {
        if (buf.length < 5) return;
        const atyp = buf[3];
        const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buf[4] : -1;
        if (addrLen < 0 || buf[1] !== 1) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
        if (buf.length < 4 + addrLen + 2) return;
        const raw = buf.subarray(4, 4 + addrLen);
        const host =
          atyp === 1 ? [...raw].join('.') : atyp === 3 ? raw.subarray(1).toString('latin1') : (raw.toString('hex').match(/.{4}/g) ?? []).join(':');
        const port = buf.readUInt16BE(4 + addrLen);
        const rest = buf.subarray(4 + addrLen + 2);
        stage = 'busy';
        client.off('data', onData);
        client.pause();
        const out = await open(host, port);
        if ('code' in out) return void client.end(Buffer.from([5, SOCKS_REPLY[out.code] ?? 1, 0, 1, 0, 0, 0, 0, 0, 0]));
        client.setTimeout(0);
        client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
        splice(client, out.sock, rest);
        client.resume();
      }
    };
    client.on('data', (c: Buffer) => void onData(c));
  });

  const STATUS: Record<string, string> = { EDENIED: '403 Forbidden', ECONNREFUSED: '502 Bad Gateway', ETIMEDOUT: '504 Gateway Timeout' };
  const httpConnect = createServer((client) => {
    track(client);
    client.setTimeout(HANDSHAKE_MS, () => client.destroy());
    let buf = Buffer.alloc(0);
    const onData = async (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_HEADER_BYTES) return client.destroy();
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const [method, target] = buf.subarray(0, end).toString('latin1').split('\r\n')[0].split(' ');
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target ?? '');
      if (method !== 'CONNECT' || !m) return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      const out = await open(m[1], Number(m[2]));
      if ('code' in out) return void client.end(`HTTP/1.1 ${STATUS[out.code] ?? '502 Bad Gateway'}\r\n\r\n`);
      client.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      splice(client, out.sock, buf.subarray(end + 4));
      client.resume();
    };
    client.on('data', (c: Buffer) => void onData(c));
  });

  for (const [srv, port] of [[socks, spec.socksPort], [httpConnect, spec.connectPort]] as const) {
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, spec.address, () => resolve());
    });
  }
  return {
    setDenied(list) {
      denied = new Set(list);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([socks, httpConnect].map((s: Server) => new Promise((r) => s.close(r))));
    },
  };
}
