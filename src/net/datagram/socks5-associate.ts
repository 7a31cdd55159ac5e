/**
 * The control connection of a SOCKS5 UDP association (RFC 1928 §3, §4, §7; username/password
 * per RFC 1929): greeting, optional authentication, UDP ASSOCIATE, and the relay address the
 * proxy answers with. Every read is an exact, small byte count under the probe's signal.
 */
import type { Socket } from 'node:net';
import type { ProxySpec } from '../../model/index.js';
import { whenAborted } from '../abort.js';
import { openTcp } from '../connectors/direct.js';
import { NetError, ProxyRefusedError, proxyRefusedFailure } from '../errors.js';
import { addressIp, addressLength, ATYP_IPV4, decodeAddress, encodeAddress, type SocksAddress } from './socks5-header.js';

const VERSION = 0x05;
const METHOD_NONE = 0x00;
const METHOD_USERPASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const CMD_UDP_ASSOCIATE = 0x03;

/** RFC 1928 §6 reply codes, named as the socks package names them in its messages. */
const REPLY_NAMES: Record<number, string> = {
  1: 'Failure',
  2: 'NotAllowed',
  3: 'NetworkUnreachable',
  4: 'HostUnreachable',
  5: 'ConnectionRefused',
  6: 'TTLExpired',
  7: 'CommandNotSupported',
  8: 'AddressNotSupported',
};

export interface Association {
  control: Socket;
  /** Where to send datagrams: the reply's BND.ADDR, or the proxy's own address when that is 0.0.0.0 or ::. */
  relay: { ip: string; port: number };
}

/** The association was refused at `step`: the vantage's path failed, never the target. */
function refused(step: string, status: string): ProxyRefusedError {
  return new ProxyRefusedError(proxyRefusedFailure(`udp associate: ${status}`), status, `SOCKS5 proxy refused UDP ASSOCIATE at ${step}: ${status}`);
}

/** Reads exactly n bytes ('readable'/read(n): nothing beyond them is consumed). */
function readExactly(sock: Socket, n: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let detach = (): void => {};
    const done = (err: unknown, buf?: Buffer): void => {
      if (settled) return;
      settled = true;
      detach();
      sock.off('readable', onReadable);
      sock.off('end', onEnd);
      sock.off('error', onError);
      if (buf) resolve(buf);
      else reject(err);
    };
    const onReadable = (): void => {
      const chunk = sock.read(n) as Buffer | null;
      if (chunk === null) return;
      if (chunk.length < n) done(new NetError('eof_error', 'SOCKS5 proxy closed mid-reply', 'BW_EOF'));
      else done(null, chunk);
    };
    const onEnd = (): void => done(new NetError('eof_error', 'SOCKS5 proxy closed before replying', 'BW_EOF'));
    const onError = (err: Error): void => done(err);
    sock.on('readable', onReadable);
    sock.on('end', onEnd);
    sock.on('error', onError);
    detach = whenAborted(signal, (reason) => done(reason));
    onReadable();
  });
}

async function authenticate(sock: Socket, proxy: ProxySpec, signal: AbortSignal): Promise<void> {
  const user = Buffer.from(proxy.username ?? '', 'utf8');
  const pass = Buffer.from(proxy.password ?? '', 'utf8');
  // RFC 1929 §2: one length byte each.
  if (user.length > 255 || pass.length > 255) throw refused('authentication', 'CredentialsTooLong');
  sock.write(Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([pass.length]), pass]));
  const [, status] = await readExactly(sock, 2, signal);
  if (status !== 0x00) throw refused('authentication', 'AuthenticationFailed');
}

/** Negotiates a method, authenticates when the proxy asks for it, and asks for a UDP association. */
async function negotiate(sock: Socket, proxy: ProxySpec, proxyIp: string, signal: AbortSignal): Promise<Association['relay']> {
  const methods = proxy.username !== undefined ? [METHOD_NONE, METHOD_USERPASS] : [METHOD_NONE];
  sock.write(Buffer.from([VERSION, methods.length, ...methods]));
  const [ver, method] = await readExactly(sock, 2, signal);
  if (ver !== VERSION) throw refused('greeting', 'NotSocks5');
  if (method === NO_ACCEPTABLE || !methods.includes(method)) throw refused('greeting', 'NoAcceptableMethods');
  if (method === METHOD_USERPASS) await authenticate(sock, proxy, signal);

  // DST.ADDR/DST.PORT: where our datagrams will come from. Zeros: not known (behind a NAT it differs anyway).
  const any: SocksAddress = { atyp: ATYP_IPV4, addr: Buffer.alloc(4), port: 0 };
  sock.write(Buffer.concat([Buffer.from([VERSION, CMD_UDP_ASSOCIATE, 0x00]), encodeAddress(any)]));
  const head = await readExactly(sock, 5, signal);
  if (head[0] !== VERSION) throw refused('reply', 'NotSocks5');
  if (head[1] !== 0x00) throw refused('reply', REPLY_NAMES[head[1]] ?? `Reply${head[1]}`);
  const len = addressLength(head[3], head[4]);
  if (len < 0) throw refused('reply', 'AddressNotSupported');
  // The fifth byte read is the first address byte (or a domain's length byte).
  const rest = await readExactly(sock, len - 1 + 2, signal);
  const decoded = decodeAddress(Buffer.concat([head.subarray(3), rest]), 0);
  if (!decoded) throw refused('reply', 'AddressNotSupported');
  const { address } = decoded;
  const ip = addressIp(address);
  // A relay named by a domain would need the vantage's resolver here; proxies answer with addresses.
  if (ip === null) throw refused('reply', 'RelayNamedByDomain');
  if (address.port === 0) throw refused('reply', 'NoRelayPort');
  return { ip: ip === '0.0.0.0' || ip === '::' ? proxyIp : ip, port: address.port };
}

/** Opens the control connection and the association; the caller owns the socket afterwards. */
export async function associate(proxy: ProxySpec, signal: AbortSignal, localAddress?: string): Promise<Association> {
  const control = await openTcp(proxy.host, proxy.port, signal, localAddress);
  // Between reads nobody else listens; an error then must not go unheard (the channel sees the close).
  control.on('error', () => {});
  try {
    const relay = await negotiate(control, proxy, control.remoteAddress ?? proxy.host, signal);
    return { control, relay };
  } catch (err) {
    control.destroy();
    throw err;
  }
}
