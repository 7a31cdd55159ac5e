/** Small real proxies on loopback: SOCKS5 (RFC 1928/1929, CONNECT and UDP ASSOCIATE) and HTTP CONNECT, for the connector tests. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type AddressInfo, type Socket } from 'node:net';

export interface Proxy {
  host: string;
  port: number;
  /** Destinations asked for, as host:port. */
  asked: string[];
  /** Destinations of relayed UDP datagrams, as host:port, each once. */
  udpDestinations: string[];
  /** host:port of each UDP relay socket opened, in order: what a STUN server sees as the mapped address. */
  udpRelays: string[];
  close(): Promise<void>;
}

interface ProxyState {
  asked: string[];
  udpDestinations: string[];
  udpRelays: string[];
  /** Closed with the proxy. */
  sockets: Set<{ close(): void }>;
}

async function serve(onConn: (s: Socket, state: ProxyState) => void): Promise<Proxy> {
  const state: ProxyState = { asked: [], udpDestinations: [], udpRelays: [], sockets: new Set() };
  const conns = new Set<Socket>();
  const server = createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => {});
    onConn(s, state);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    asked: state.asked,
    udpDestinations: state.udpDestinations,
    udpRelays: state.udpRelays,
    async close() {
      for (const c of conns) c.destroy();
      for (const u of state.sockets) u.close();
      state.sockets.clear();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** Reads exactly n bytes (tests only: peers here are well behaved). */
function reader(s: Socket): (n: number) => Promise<Buffer> {
  let buf = Buffer.alloc(0);
  let waiting: { n: number; res: (b: Buffer) => void } | null = null;
  const take = (): void => {
    if (waiting && buf.length >= waiting.n) {
      const out = buf.subarray(0, waiting.n);
      buf = buf.subarray(waiting.n);
      const w = waiting;
      waiting = null;
      w.res(out);
    }
  };
  const onData = (d: Buffer): void => {
    buf = Buffer.concat([buf, d]);
    take();
  };
  s.on('data', onData);
  return (n) =>
    new Promise((res) => {
      waiting = { n, res };
      take();
    });
}

function splice(client: Socket, upstream: Socket): void {
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

export interface Socks5Options {
  /** Answer UDP ASSOCIATE (default true); false: reply 7, command not supported, as CONNECT-only proxies do. */
  udp?: boolean;
  /** Announce the relay as 0.0.0.0 ("the address you reached me on", RFC 1928 §6) instead of 127.0.0.1. */
  relayAsZero?: boolean;
  /** Rewrites each wrapped reply before it goes to the client; a test uses it to add forged or broken datagrams. */
  rewriteReply?: (wrapped: Buffer) => Buffer[];
}

/** An IP literal as a SOCKS5 ATYP, address and port (RFC 1928 §5). */
function socksAddressBytes(host: string, port: number): Buffer {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  if (isIPv6(host)) {
    const out = Buffer.alloc(16);
    const [head, tail = ''] = host.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = host.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return Buffer.concat([Buffer.from([4]), out, p]);
  }
  return Buffer.concat([Buffer.from([1]), Buffer.from(host.split('.').map(Number)), p]);
}

/** Host and port of a SOCKS5 address at `at` (IPv4, IPv6 or a domain); null when cut short. */
function parseSocksAddress(b: Buffer, at: number): { host: string; port: number; end: number } | null {
  const atyp = b[at];
  const len = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 && at + 1 < b.length ? 1 + b[at + 1] : -1;
  if (len < 0 || at + 1 + len + 2 > b.length) return null;
  const raw = b.subarray(at + 1, at + 1 + len);
  const host =
    atyp === 1 ? [...raw].join('.') : atyp === 4 ? Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(i * 2).toString(16)).join(':') : raw.subarray(1).toString();
  return { host, port: b.readUInt16BE(at + 1 + len), end: at + 1 + len + 2 };
}

/**
 * The UDP half of a SOCKS5 proxy (RFC 1928 §7): one relay socket per association. The first
 * datagram from the control connection's host names the client; its datagrams are unwrapped and
 * sent on, everything else arriving at the relay is wrapped and handed to the client. The relay
 * closes with the control connection.
 */
async function udpAssociate(s: Socket, state: ProxyState, o: Socks5Options): Promise<void> {
  const relay: UdpSocket = createSocket('udp4');
  relay.on('error', () => {});
  await new Promise<void>((res) => relay.bind(0, '127.0.0.1', () => res()));
  state.sockets.add(relay);
  const { port } = relay.address();
  state.udpRelays.push(`127.0.0.1:${port}`);
  let client: { address: string; port: number } | null = null;
  relay.on('message', (msg, from) => {
    if (!client && from.address === s.remoteAddress) client = { address: from.address, port: from.port };
    if (client && from.address === client.address && from.port === client.port) {
      if (msg.length < 4 || msg[2] !== 0) return;
      const dst = parseSocksAddress(msg, 3);
      if (!dst) return;
      const key = dst.host.includes(':') ? `[${dst.host}]:${dst.port}` : `${dst.host}:${dst.port}`;
      if (!state.udpDestinations.includes(key)) state.udpDestinations.push(key);
      relay.send(msg.subarray(dst.end), dst.port, dst.host);
      return;
    }
    if (!client) return;
    const wrapped = Buffer.concat([Buffer.from([0, 0, 0]), socksAddressBytes(from.address, from.port), msg]);
    const to = client;
    for (const d of o.rewriteReply ? o.rewriteReply(wrapped) : [wrapped]) relay.send(d, to.port, to.address);
  });
  s.on('close', () => {
    // Once: the proxy's close may have got here first.
    if (state.sockets.delete(relay)) relay.close();
  });
  s.write(Buffer.concat([Buffer.from([5, 0, 0]), socksAddressBytes(o.relayAsZero ? '0.0.0.0' : '127.0.0.1', port)]));
}

/** A SOCKS5 proxy supporting CONNECT to IPv4/IPv6 and UDP ASSOCIATE; with credentials it requires RFC 1929 auth. */
export function startSocks5Proxy(auth?: { username: string; password: string }, o: Socks5Options = {}): Promise<Proxy> {
  return serve(async (s, state) => {
    const read = reader(s);
    const [, nMethods] = await read(2);
    const methods = [...(await read(nMethods))];
    const want = auth ? 0x02 : 0x00;
    if (!methods.includes(want)) return void s.end(Buffer.from([5, 0xff]));
    s.write(Buffer.from([5, want]));
    if (auth) {
      const [, ulen] = await read(2);
      const user = (await read(ulen)).toString();
      const [plen] = await read(1);
      const pass = (await read(plen)).toString();
      const ok = user === auth.username && pass === auth.password;
      s.write(Buffer.from([1, ok ? 0 : 1]));
      if (!ok) return void s.end();
    }
    const [, cmd, , atyp] = await read(4);
    let host: string;
    if (atyp === 1) host = [...(await read(4))].join('.');
    else if (atyp === 4) {
      const b = await read(16);
      host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
    } else {
      const [len] = await read(1);
      host = (await read(len)).toString();
    }
    const port = (await read(2)).readUInt16BE(0);
    const replyHead = (rep: number): Buffer => Buffer.from([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]);
    if (cmd === 3 && o.udp !== false) {
      state.asked.push(`udp associate ${host}:${port}`);
      s.removeAllListeners('data');
      // The control connection carries nothing more; reading it notices the client's close.
      s.on('data', () => {});
      return void (await udpAssociate(s, state, o));
    }
    state.asked.push(`${host}:${port}`);
    if (cmd !== 1) return void s.end(replyHead(7));
    s.removeAllListeners('data');
    const up = connect({ host, port });
    up.once('connect', () => {
      s.write(replyHead(0));
      splice(s, up);
    });
    up.once('error', (err: NodeJS.ErrnoException) => {
      // RFC 1928 §6: 5 connection refused, 4 host unreachable, 1 general failure.
      s.end(replyHead(err.code === 'ECONNREFUSED' ? 5 : err.code === 'EHOSTUNREACH' ? 4 : 1));
    });
  });
}

/** An HTTP CONNECT proxy; with credentials it answers 407 without them, 502 when the upstream refuses. */
export function startConnectProxy(auth?: { username: string; password: string }): Promise<Proxy> {
  return serve((s, { asked }) => {
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.off('data', onData);
      const [line, ...fields] = head.slice(0, end).split('\r\n');
      const [method, authority] = line.split(' ');
      asked.push(authority);
      if (method !== 'CONNECT') return void s.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      if (auth) {
        const want = `basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
        const got = fields.find((f) => f.toLowerCase().startsWith('proxy-authorization:'));
        if (!got || got.slice(got.indexOf(':') + 1).trim().toLowerCase() !== want.toLowerCase()) {
          return void s.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        }
      }
      const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(authority);
      if (!m) return void s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      const up = connect({ host: m[1], port: Number(m[2]) });
      up.once('connect', () => {
        s.write('HTTP/1.1 200 Connection established\r\n\r\n');
        splice(s, up);
      });
      up.once('error', () => s.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    };
    s.on('data', onData);
  });
}
