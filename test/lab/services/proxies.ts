/**
 * The control vantage's way out: a SOCKS5 proxy (RFC 1928, no auth, CONNECT and UDP
 * ASSOCIATE) and an HTTP CONNECT proxy, both in the abroad namespace so their traffic never
 * crosses the censor. A deny list lets a scenario take the control away for one destination:
 * refused at CONNECT, and for UDP the association is ended at the first datagram to it.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { createServer, connect, isIP, isIPv4, type Server, type Socket } from 'node:net';

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
  const relays = new Set<UdpSocket>();
  /** Once: the control connection's close and the proxies' close may both ask. */
  const closeRelay = (r: UdpSocket): void => {
    if (relays.delete(r)) r.close();
  };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  /** The address a destination names, or a code when it is denied or unresolvable. */
  async function destination(host: string): Promise<{ ip: string } | { code: string }> {
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
    return denied.has(ip) ? { code: 'EDENIED' } : { ip };
  }

  async function open(host: string, port: number): Promise<Outcome> {
    const dest = await destination(host);
    if ('code' in dest) return dest;
    const { ip } = dest;
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

  const LINGER_MS = 5_000;

  function splice(a: Socket, b: Socket, head?: Buffer): void {
    if (head?.length) b.write(head);
    a.pipe(b);
    b.pipe(a);
    // A side that ended cleanly ends the other once what is queued for it is written (pipe does
    // that); destroying it here would drop the tail of a large body still waiting in the other's
    // write buffer, which a slow reader sees as a close inside the body. A reset is passed on.
    // A peer that never closes its side gets LINGER_MS.
    const follow = (from: Socket, to: Socket): void => {
      from.on('close', (hadError) => {
        if (hadError) return void to.destroy();
        to.end();
        setTimeout(() => to.destroy(), LINGER_MS).unref();
      });
    };
    follow(a, b);
    follow(b, a);
  }

  const SOCKS_REPLY: Record<string, number> = { EDENIED: 2, ENETUNREACH: 3, EHOSTUNREACH: 4, ENOTFOUND: 4, ECONNREFUSED: 5, ETIMEDOUT: 6 };

  /** The destination of a datagram as an IPv4 address, or a code when it is denied or unresolvable. */
  async function udpDestination(host: string): Promise<{ ip: string } | { code: string }> {
    const dest = await destination(host);
    return 'code' in dest || isIPv4(dest.ip) ? dest : { code: 'ENOTFOUND' };
  }

  /**
   * UDP ASSOCIATE (RFC 1928 §7): a relay socket per control connection. The client is the first
   * sender from the control connection's host; its datagrams are unwrapped and sent on, whatever
   * else reaches the relay is wrapped (source in the header) and handed back. A datagram to a
   * denied destination ends the association, so the control fails as the vantage's own path
   * (proxy refused), as a CONNECT to it does, rather than as a silent drop that would read as an outage.
   */
  function associate(client: Socket): void {
    const relay: UdpSocket = createSocket('udp4');
    relays.add(relay);
    relay.on('error', () => client.destroy());
    client.on('close', () => closeRelay(relay));
    // Nothing more is expected on the control connection; reading it notices its close.
    let chatter = 0;
    client.on('data', (c: Buffer) => {
      chatter += c.length;
      if (chatter > MAX_HEADER_BYTES) client.destroy();
    });
    let peer: { address: string; port: number } | null = null;
    relay.on('message', (msg, from) => {
      if (!peer && from.address === client.remoteAddress) peer = { address: from.address, port: from.port };
      if (!peer) return;
      if (from.address === peer.address && from.port === peer.port) {
        // RSV RSV FRAG ATYP …: fragments are not supported (§7 allows dropping them).
        if (msg.length < 4 || msg[2] !== 0) return;
        const atyp = msg[3];
        const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 && msg.length > 4 ? 1 + msg[4] : -1;
        if (addrLen < 0 || msg.length < 4 + addrLen + 2) return;
        const raw = msg.subarray(4, 4 + addrLen);
        const host =
          atyp === 1 ? [...raw].join('.') : atyp === 3 ? raw.subarray(1).toString('latin1') : (raw.toString('hex').match(/.{4}/g) ?? []).join(':');
        const port = msg.readUInt16BE(4 + addrLen);
        const payload = msg.subarray(4 + addrLen + 2);
        void udpDestination(host).then((d) => {
          if ('code' in d) {
            if (d.code === 'EDENIED') client.destroy();
            return;
          }
          relay.send(payload, port, d.ip);
        });
        return;
      }
      if (!isIPv4(from.address)) return;
      const head = Buffer.from([0, 0, 0, 1, ...from.address.split('.').map(Number), from.port >> 8, from.port & 0xff]);
      relay.send(Buffer.concat([head, msg]), peer.port, peer.address);
    });
    relay.bind(0, spec.address, () => {
      if (client.destroyed) return;
      const { port } = relay.address();
      client.setTimeout(0);
      client.write(Buffer.from([5, 0, 0, 1, ...spec.address.split('.').map(Number), port >> 8, port & 0xff]));
    });
  }

  const socks = createServer((client) => {
    track(client);
    client.setTimeout(HANDSHAKE_MS, () => client.destroy());
    let buf = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'busy' = 'greeting';
    const onChunk = async (chunk: Buffer) => {
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
        const cmd = buf[1];
        if (addrLen < 0 || (cmd !== 1 && cmd !== 3)) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
        if (buf.length < 4 + addrLen + 2) return;
        if (cmd === 3) {
          // The request's address is where the client will send from; clients leave it zero.
          stage = 'busy';
          client.off('data', onData);
          return associate(client);
        }
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
    const onData = (c: Buffer): void => void onChunk(c);
    client.on('data', onData);
  });

  const STATUS: Record<string, string> = { EDENIED: '403 Forbidden', ECONNREFUSED: '502 Bad Gateway', ETIMEDOUT: '504 Gateway Timeout' };
  const httpConnect = createServer((client) => {
    track(client);
    client.setTimeout(HANDSHAKE_MS, () => client.destroy());
    let buf = Buffer.alloc(0);
    const onChunk = async (chunk: Buffer) => {
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
    const onData = (c: Buffer): void => void onChunk(c);
    client.on('data', onData);
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
      for (const r of relays) closeRelay(r);
      await Promise.all([socks, httpConnect].map((s: Server) => new Promise((r) => s.close(r))));
    },
  };
}
