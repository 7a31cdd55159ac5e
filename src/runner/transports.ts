/** The live transports of a config: one resolver and connector per vantage, plus the control resolver. */
import type { Config, Vantage } from '../model/index.js';
import { makeConnector } from '../net/connectors/index.js';
import { makeResolver } from '../net/resolvers/index.js';
import { makeDatagramConnector } from '../net/datagram/index.js';
import type { Connector, DatagramConnector, Resolver } from '../net/types.js';

export interface VantageTransport {
  vantage: Vantage;
  resolver: Resolver;
  connector: Connector;
  datagrams: DatagramConnector;
}

export interface Transports {
  vantages: Map<string, VantageTransport>;
  control: Resolver;
}

/** Releases what transports hold open (DoH connection pools). */
export async function closeTransports(t: Transports): Promise<void> {
  await Promise.allSettled([t.control, ...[...t.vantages.values()].map((v) => v.resolver)].map((r) => r.close?.()));
}

export function makeTransports(config: Config): Transports {
  const vantages = new Map<string, VantageTransport>();
  for (const vantage of config.vantages) {
    const connector = makeConnector(vantage);
    const resolver = makeResolver(vantage.resolver, connector, config.tls.extraCA, {
      replyWindowMs: config.limits.dnsReplyWindowMs,
      localAddress: vantage.localAddress,
    });
    vantages.set(vantage.id, { vantage, connector, resolver, datagrams: makeDatagramConnector(vantage) });
  }
  // The trusted resolver is reached from the host's own network.
  const direct = makeConnector({});
  return { vantages, control: makeResolver(config.control.resolver, direct, config.tls.extraCA, { replyWindowMs: config.limits.dnsReplyWindowMs }) };
}
