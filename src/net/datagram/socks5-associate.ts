/**
 * The control connection of a SOCKS5 UDP association (RFC 1928 §3, §4, §7; username/password
 * per RFC 1929): the shared handshake (net/socks5/) with UDP ASSOCIATE, and the relay address
 * the proxy answers with.
 */
import type { Socket } from 'node:net';
import type { ProxySpec } from '../../model/index.js';
import { openTcp } from '../connectors/direct.js';
import { ProxyRefusedError, proxyRefusedFailure } from '../errors.js';
import { addressIp, socksAddress } from '../socks5/address.js';
import { CMD_UDP_ASSOCIATE, socksRequest, type FaultFactory } from '../socks5/handshake.js';

export interface Association {
  control: Socket;
  /** Where to send datagrams: the reply's BND.ADDR, or the proxy's own address when that is 0.0.0.0 or ::. */
  relay: { ip: string; port: number };
}

/** Any failure to set up the association is the vantage's path failing, never the target: the target plays no part in it. */
const associationFault: FaultFactory = (fault, detail) => {
  const status = fault === 'reply' ? detail : fault === 'bad_reply' ? 'NotSocks5' : fault === 'auth_failed' ? 'AuthenticationFailed' : 'NoAcceptableMethods';
  return new ProxyRefusedError(proxyRefusedFailure(`udp associate: ${status}`), status, `SOCKS5 proxy refused UDP ASSOCIATE: ${detail}`);
};

/** Asks for a UDP association; the relay is the reply's bound address, or the proxy's own when that is 0.0.0.0 or ::. */
async function negotiate(sock: Socket, proxy: ProxySpec, proxyIp: string, signal: AbortSignal): Promise<Association['relay']> {
  // DST.ADDR/DST.PORT: where our datagrams will come from. Zeros: not known (behind a NAT it differs anyway).
  const bound = await socksRequest(sock, proxy, CMD_UDP_ASSOCIATE, socksAddress('0.0.0.0', 0), signal, associationFault);
  const ip = addressIp(bound);
  // A relay named by a domain would need the vantage's resolver here; proxies answer with addresses.
  if (ip === null) throw associationFault('reply', 'RelayNamedByDomain');
  if (bound.port === 0) throw associationFault('reply', 'NoRelayPort');
  return { ip: ip === '0.0.0.0' || ip === '::' ? proxyIp : ip, port: bound.port };
}

/** Opens the control connection and the association; the caller owns the socket afterwards. */
export async function associate(proxy: ProxySpec, signal: AbortSignal, localAddress?: string): Promise<Association> {
  // A proxy that cannot be reached is mapped by the datagram connector (socks5.ts), as the vantage's own path failing.
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
