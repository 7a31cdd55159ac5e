/**
 * The SOCKS5 connector (RFC 1928, username/password per RFC 1929): its own handshake, every read
 * bounded by the reply's size and the probe's signal, nothing left behind once it settles.
 */
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { ProxySpec } from '../../model/index.js';
import type { ConnectOptions, Connector } from '../types.js';
import { whenAborted } from '../abort.js';
import { NetError, PROXY_BAD_REPLY, ProxyRefusedError, proxyStatusFailure } from '../errors.js';
import { PROXY_REFUSED } from '../../model/index.js';
import { guardErrors, openTcp } from './direct.js';

/** RFC 1928 §3 methods and §4 commands and address types. */
const VERSION = 5;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const CONNECT = 0x01;
const ATYP_V4 = 0x01;
const ATYP_NAME = 0x03;
const ATYP_V6 = 0x04;

/** RFC 1928 §6 reply codes, by the names proxyStatusFailure knows. */
const REPLIES: Record<number, string> = {
  1: 'Failure',
  2: 'NotAllowed',
  3: 'NetworkUnreachable',
  4: 'HostUnreachable',
  5: 'ConnectionRefused',
  6: 'TTLExpired',
  7: 'CommandNotSupported',
  8: 'AddressNotSupported',
};

const badReply = (what: string): NetError => new NetError(PROXY_BAD_REPLY, `SOCKS5 proxy sent ${what}`, 'BW_SOCKS_REPLY');
const refused = (status: string, what: string): ProxyRefusedError => new ProxyRefusedError(`${PROXY_REFUSED} (${status})`, status, what);

/**
 * Reads exactly `n` bytes; bytes past them go back onto the socket. Like the CONNECT head reader it
 * uses 'readable'/read(), so the socket is handed on neither flowing nor paused.
 */
function readExactly(sock: Socket, n: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let settled = false;
    let detach = (): void => {};
    const done = (err: unknown, out?: Buffer): void => {
      if (settled) return;
      settled = true;
      detach();
      sock.off('readable', onReadable);
      sock.off('end', onEnd);
      sock.off('error', onError);
      if (out) resolve(out);
      else reject(err);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = sock.read() as Buffer | null) !== null) {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        if (buf.length >= n) {
          if (buf.length > n) sock.unshift(buf.subarray(n));
          return done(null, buf.subarray(0, n));
        }
      }
      if (!settled && sock.readableEnded) onEnd();
    };
    const onEnd = (): void => done(new NetError('eof_error', 'SOCKS5 proxy closed the connection during the handshake', 'BW_EOF'));
    const onError = (err: Error): void => done(err);
    sock.on('readable', onReadable);
    sock.on('end', onEnd);
    sock.on('error', onError);
    detach = whenAborted(signal, (reason) => done(reason));
    onReadable();
  });
}

/** DST.ADDR and DST.PORT of a request (RFC 1928 §4). */
function destination(host: string, port: number): Buffer {
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  if (isIP(host)) {
    const bytes = ipaddr.parse(host).toByteArray();
    return Buffer.concat([Buffer.from([bytes.length === 4 ? ATYP_V4 : ATYP_V6, ...bytes]), p]);
  }
  const name = Buffer.from(host).subarray(0, 255);
  return Buffer.concat([Buffer.from([ATYP_NAME, name.length]), name, p]);
}

/** Greets, authenticates when asked, and asks for a tunnel to host:port; resolves once it is open. */
async function handshake(sock: Socket, host: string, port: number, proxy: ProxySpec, signal: AbortSignal): Promise<void> {
  const creds = proxy.username !== undefined;
  sock.write(Buffer.from(creds ? [VERSION, 2, NO_AUTH, USER_PASS] : [VERSION, 1, NO_AUTH]));
  const [ver, method] = await readExactly(sock, 2, signal);
  if (ver !== VERSION) throw badReply('no SOCKS5 method selection');
  if (method === NO_ACCEPTABLE || (method === USER_PASS && !creds)) throw refused('auth_required', 'SOCKS5 proxy requires credentials');
  if (method === USER_PASS) {
    // RFC 1929 §2: VER 1, ULEN, UNAME, PLEN, PASSWD (each at most 255 bytes).
    const user = Buffer.from(proxy.username ?? '').subarray(0, 255);
    const pass = Buffer.from(proxy.password ?? '').subarray(0, 255);
    sock.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const [aver, status] = await readExactly(sock, 2, signal);
    if (aver !== 1 && aver !== VERSION) throw badReply('no RFC 1929 status');
    if (status !== 0) throw refused('auth_failed', 'SOCKS5 proxy refused the credentials');
  } else if (method !== NO_AUTH) {
    throw badReply(`method ${method}, which was not offered`);
  }
  sock.write(Buffer.concat([Buffer.from([VERSION, CONNECT, 0]), destination(host, port)]));
  const [rver, rep, , atyp] = await readExactly(sock, 4, signal);
  if (rver !== VERSION) throw badReply('no SOCKS5 reply');
  if (rep !== 0) {
    const name = REPLIES[rep];
    if (!name) throw badReply(`reply code ${rep}`);
    throw new ProxyRefusedError(proxyStatusFailure(name), name, `SOCKS5 proxy answered ${name}`);
  }
  // BND.ADDR and BND.PORT: read so that the tunnel starts clean; their value is not needed.
  if (atyp === ATYP_V4) await readExactly(sock, 4 + 2, signal);
  else if (atyp === ATYP_V6) await readExactly(sock, 16 + 2, signal);
  else if (atyp === ATYP_NAME) await readExactly(sock, (await readExactly(sock, 1, signal))[0] + 2, signal);
  else throw badReply(`address type ${atyp}`);
}

export class Socks5Connector implements Connector {
  readonly describe: string;
  constructor(
    private readonly proxy: ProxySpec,
    private readonly localAddress?: string,
  ) {
    this.describe = `socks5://${proxy.host}:${proxy.port}`;
  }

  async connect(ip: string, port: number, opts: ConnectOptions): Promise<Socket> {
    const sock = await openTcp(this.proxy.host, this.proxy.port, opts.signal, this.localAddress);
    try {
      await handshake(sock, ip, port, this.proxy, opts.signal);
      return guardErrors(sock);
    } catch (err) {
      sock.destroy();
      throw err;
    }
  }
}
