/** Builds a vantage's resolver from its spec. */
import type { ResolverSpec } from '../../model/index.js';
import type { Connector, Resolver } from '../types.js';
import { DohResolver } from './doh.js';
import { SystemResolver } from './system.js';
import { TcpResolver } from './tcp.js';
import { UdpResolver } from './udp.js';

export { DohResolver, SystemResolver, TcpResolver, UdpResolver };

export interface ResolverOptions {
  /** Listening window after a first UDP reply (limits.dnsReplyWindowMs); default 500 ms. */
  replyWindowMs?: number;
  /** Source address for UDP queries (the vantage's localAddress). */
  localAddress?: string;
}

export function makeResolver(
  spec: ResolverSpec,
  connector: Connector,
  extraCA: readonly string[] = [],
  opts: ResolverOptions = {},
): Resolver {
  switch (spec.type) {
    case 'system':
      return new SystemResolver();
    case 'udp':
      return new UdpResolver(spec.host, spec.port, { replyWindowMs: opts.replyWindowMs ?? 500, localAddress: opts.localAddress });
    case 'tcp':
      return new TcpResolver(spec.host, spec.port, connector);
    case 'doh':
      return new DohResolver(spec.url, connector, extraCA);
  }
}
