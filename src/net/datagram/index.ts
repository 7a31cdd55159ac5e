/** Builds a vantage's datagram connector: direct or bound; a proxy that cannot carry UDP refuses every path. */
import { PROXY_REFUSED, type Vantage } from '../../model/index.js';
import { ProxyRefusedError } from '../errors.js';
import type { DatagramChannel, DatagramConnector } from '../types.js';
import { DirectDatagramConnector } from './direct.js';

export { DirectDatagramConnector, openUdp } from './direct.js';

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
  return new NoDatagramConnector(p.type === 'http' ? 'an HTTP CONNECT proxy carries TCP only' : 'SOCKS5 UDP ASSOCIATE is not available');
}
