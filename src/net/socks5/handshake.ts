/**
 * The SOCKS5 handshake both SOCKS5 paths share (RFC 1928 §3, §4, §6; username/password per
 * RFC 1929): method selection, authentication when the proxy asks for it, one request, and
 * the reply's bound address. Every read is an exact byte count under the probe's signal.
 * What a refusal means (the target's failure, or the vantage's own path) is the caller's to say.
 */
import type { Socket } from 'node:net';
import type { ProxySpec } from '../../model/index.js';
import { NetError } from '../errors.js';
import { readUntil } from '../socket-read.js';
import { addressLength, decodeAddress, encodeAddress, type SocksAddress } from './address.js';

const VERSION = 0x05;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;

export const CMD_CONNECT = 0x01;
export const CMD_UDP_ASSOCIATE = 0x03;

/** RFC 1928 §6 reply codes, by name. */
export const REPLIES: Record<number, string> = {
  1: 'Failure',
  2: 'NotAllowed',
  3: 'NetworkUnreachable',
  4: 'HostUnreachable',
  5: 'ConnectionRefused',
  6: 'TTLExpired',
  7: 'CommandNotSupported',
  8: 'AddressNotSupported',
};

/**
 * How the handshake went wrong, for the caller to turn into a failure:
 * - `bad_reply`: the proxy answered something that is not SOCKS5 (detail says what);
 * - `auth_required` / `auth_failed`: it wants credentials we do not have, or refused ours;
 * - `reply`: it refused the request with an RFC 1928 reply code (detail: its name).
 */
export type HandshakeFault = 'bad_reply' | 'auth_required' | 'auth_failed' | 'reply';
export type FaultFactory = (fault: HandshakeFault, detail: string) => Error;

/** Reads exactly `n` bytes; bytes past them go back onto the socket (net/socket-read.ts). */
export function readExactly(sock: Socket, n: number, signal: AbortSignal): Promise<Buffer> {
  return readUntil(sock, signal, (buf) => (buf.length >= n ? { value: buf.subarray(0, n), used: n } : null), () => new NetError('eof_error', 'SOCKS5 proxy closed the connection during the handshake', 'BW_EOF'));
}

/** Method selection, then RFC 1929 authentication when the proxy picks it. */
async function negotiate(sock: Socket, proxy: ProxySpec, signal: AbortSignal, fault: FaultFactory): Promise<void> {
  const creds = proxy.username !== undefined;
  sock.write(Buffer.from(creds ? [VERSION, 2, NO_AUTH, USER_PASS] : [VERSION, 1, NO_AUTH]));
  const [ver, method] = await readExactly(sock, 2, signal);
  if (ver !== VERSION) throw fault('bad_reply', 'no SOCKS5 method selection');
  if (method === NO_ACCEPTABLE || (method === USER_PASS && !creds)) throw fault('auth_required', 'the proxy requires credentials');
  if (method === USER_PASS) {
    // RFC 1929 §2: VER 1, ULEN, UNAME, PLEN, PASSWD (each at most 255 bytes).
    const user = Buffer.from(proxy.username ?? '').subarray(0, 255);
    const pass = Buffer.from(proxy.password ?? '').subarray(0, 255);
    sock.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const [aver, status] = await readExactly(sock, 2, signal);
    if (aver !== 1 && aver !== VERSION) throw fault('bad_reply', 'no RFC 1929 status');
    if (status !== 0) throw fault('auth_failed', 'the proxy refused the credentials');
  } else if (method !== NO_AUTH) {
    throw fault('bad_reply', `method ${method}, which was not offered`);
  }
}

/**
 * Greets, authenticates when asked, sends `command` for `dst`, and reads the reply through its
 * bound address (BND.ADDR, BND.PORT), so that whatever follows on the socket starts clean.
 */
export async function socksRequest(sock: Socket, proxy: ProxySpec, command: number, dst: SocksAddress, signal: AbortSignal, fault: FaultFactory): Promise<SocksAddress> {
  await negotiate(sock, proxy, signal, fault);
  sock.write(Buffer.concat([Buffer.from([VERSION, command, 0]), encodeAddress(dst)]));
  const head = await readExactly(sock, 5, signal);
  if (head[0] !== VERSION) throw fault('bad_reply', 'no SOCKS5 reply');
  if (head[1] !== 0) {
    const name = REPLIES[head[1]];
    if (!name) throw fault('bad_reply', `reply code ${head[1]}`);
    throw fault('reply', name);
  }
  const len = addressLength(head[3], head[4]);
  if (len < 0) throw fault('bad_reply', `address type ${head[3]}`);
  // The fifth byte read is the first address byte (or a domain's length byte).
  const rest = await readExactly(sock, len - 1 + 2, signal);
  const bound = decodeAddress(Buffer.concat([head.subarray(3), rest]), 0);
  if (!bound) throw fault('bad_reply', 'a bound address that does not parse');
  return bound.address;
}
