/** Small real proxies on loopback: SOCKS5 (RFC 1928/1929) and HTTP CONNECT, for the connector tests. */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface Proxy {
  host: string;
  port: number;
  /** Destinations asked for, as host:port. */
  asked: string[];
  close(): Promise<void>;
}

async function serve(onConn: (s: Socket, asked: string[]) => void): Promise<Proxy> {
  const asked: string[] = [];
  const conns = new Set<Socket>();
  const server = createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => {});
    onConn(s, asked);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    asked,
    async close() {
      for (const c of conns) c.destroy();
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

/** A SOCKS5 proxy supporting CONNECT to IPv4/IPv6; with credentials it requires RFC 1929 auth. */
export function startSocks5Proxy(auth?: { username: string; password: string }): Promise<Proxy> {
  return serve(async (s, asked) => {
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
    asked.push(`${host}:${port}`);
    const replyHead = (rep: number): Buffer => Buffer.from([5, rep, 0, 1, 0, 0, 0, 0, 0, 0]);
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
  return serve((s, asked) => {
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
