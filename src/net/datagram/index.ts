/** Builds a vantage's datagram connector: direct, bound or SOCKS5 UDP ASSOCIATE; an HTTP CONNECT proxy cannot carry UDP and refuses every path. */
import { PROXY_REFUSED, type Vantage } from '../../model/index.js';
import { ProxyRefusedError } from '../errors.js';
import type { DatagramChannel, DatagramConnector } from '../types.js';
import { DirectDatagramConnector } from './direct.js';
import { Socks5DatagramConnector } from './socks5.js';

export { DirectDatagramConnector, openUdp } from './direct.js';
export { Socks5DatagramConnector } from './socks5.js';

/**
 * A vantage whose proxy cannot carry UDP. Every open is refused as the vantage's own
 * failure (proxy_refused), so a udp or quic probe there is `unknown`, never `blocked`.
 */
export class NoDatagramConnector implements DatagramConnector {
  constructor(readonly describe: string) {}
  open(): Promise<DatagramChannel> {
    return Promise.reject(new ProxyRefusedError(`${PROXY_REFUSED} (udp: ${this.describe})`, 'udp_unsupported', `${this.describe} cannot carry UDP`));
  }
}

export function makeDatagramConnector(vantage: Pick<Vantage, 'proxy' | 'localAddress'>): DatagramConnector {
  const p = vantage.proxy;
  if (!p) return new DirectDatagramConnector(vantage.localAddress);
  if (p.type === 'socks5') return new Socks5DatagramConnector(p, vantage.localAddress);
  return new NoDatagramConnector('an HTTP CONNECT proxy carries TCP only');
}
