/** Builds a vantage's connector: direct, bound, SOCKS5 or HTTP CONNECT. */
import type { Vantage } from '../../model/index.js';
import type { Connector } from '../types.js';
import { DirectConnector } from './direct.js';
import { HttpConnectConnector } from './http-connect.js';
import { Socks5Connector } from './socks5.js';

export { DirectConnector, HttpConnectConnector, Socks5Connector };

export function makeConnector(vantage: Pick<Vantage, 'proxy' | 'localAddress'>): Connector {
  const p = vantage.proxy;
  if (!p) return new DirectConnector(vantage.localAddress);
  return p.type === 'socks5' ? new Socks5Connector(p, vantage.localAddress) : new HttpConnectConnector(p, vantage.localAddress);
}
