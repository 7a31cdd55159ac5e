/**
 * The censor's QUIC SNI filter: iptables cannot read a server name inside an encrypted
 * Initial, so UDP/443 of a filtered address is DNAT-ed to a relay of this box (one relay,
 * on its own port, per address), which forwards each client flow to the real server unless
 * the SNI policy (quic-sni-policy.ts) drops it.
 */
import { startDatagramRelay, type DatagramRelay, type RelayStats } from './datagram-relay.js';
import { sniFilter } from './quic-sni-policy.js';

export interface QuicSniBoxSpec {
  /** The box's own address in the censor namespace (A.QUIC_SNI_BOX). */
  address: string;
}

export type QuicRelayStats = RelayStats & { port: number; names: string[] };

export interface QuicSniBox {
  /** Relays UDP/443 of `upstream`, filtering `names`; returns the port the censor DNATs to. Again for the same address: new names, same port. */
  relay(upstream: string, names: string[]): Promise<number>;
  unrelay(upstream: string): Promise<void>;
  stats(): Record<string, QuicRelayStats>;
  close(): Promise<void>;
}

const QUIC_PORT = 443;

export function startQuicSniBox(spec: QuicSniBoxSpec): QuicSniBox {
  const relays = new Map<string, { relay: DatagramRelay; names: string[] }>();
  return {
    async relay(upstream, names) {
      const have = relays.get(upstream);
      if (have) {
        have.names = names;
        have.relay.setShouldDrop(sniFilter(names));
        return have.relay.port;
      }
      const relay = await startDatagramRelay({
        listen: { address: spec.address, port: 0 },
        upstream: { address: upstream, port: QUIC_PORT },
        shouldDrop: sniFilter(names),
      });
      relays.set(upstream, { relay, names });
      return relay.port;
    },
    async unrelay(upstream) {
      const have = relays.get(upstream);
      relays.delete(upstream);
      await have?.relay.close();
    },
    stats() {
      return Object.fromEntries([...relays].map(([ip, r]) => [ip, { port: r.relay.port, names: r.names, ...r.relay.stats() }]));
    },
    async close() {
      await Promise.all([...relays.values()].map((r) => r.relay.close()));
      relays.clear();
    },
  };
}
