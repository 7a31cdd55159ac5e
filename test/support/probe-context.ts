/** A ProbeContext built by hand for engine tests: a vantage, a resolver, a connector and a deadline. */
import type { ProbeContext } from '../../src/engines/types.js';
import type { Vantage } from '../../src/model/index.js';
import { DirectConnector } from '../../src/net/connectors/index.js';
import { DirectDatagramConnector } from '../../src/net/datagram/index.js';
import type { Connector, DatagramConnector, Resolver } from '../../src/net/types.js';
import { UdpResolver } from '../../src/net/resolvers/index.js';

export const testVantage: Vantage = { id: 'test', resolver: { type: 'system' }, labels: {}, control: false };

export interface ContextOptions {
  resolver?: Resolver;
  /** The loopback DNS server to ask over UDP, when no resolver is given. */
  dns?: { host: string; port: number };
  connector?: Connector;
  datagrams?: DatagramConnector;
  extraCA?: string[];
  /** Deadline for the whole probe; default 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  bodyBytes?: number;
  dnsReplyWindowMs?: number;
  stallMs?: number;
}

export function makeContext(o: ContextOptions = {}): ProbeContext {
  const window = o.dnsReplyWindowMs ?? 50;
  const resolver = o.resolver ?? (o.dns ? new UdpResolver(o.dns.host, o.dns.port, { replyWindowMs: window }) : undefined);
  if (!resolver) throw new Error('makeContext needs a resolver or a DNS server');
  return {
    app: 'testapp',
    vantage: testVantage,
    resolver,
    connector: o.connector ?? new DirectConnector(),
    datagrams: o.datagrams ?? new DirectDatagramConnector(),
    extraCA: o.extraCA ?? [],
    signal: o.signal ?? AbortSignal.timeout(o.timeoutMs ?? 5000),
    limits: { bodyBytes: o.bodyBytes ?? 65_536, dnsReplyWindowMs: window, stallMs: o.stallMs ?? 5000 },
  };
}
