/**
 * What the lab's QUIC SNI filter drops: client datagrams whose Initial carries a
 * ClientHello naming a filtered server. This is the one place that decides it.
 */
import { readClientInitial } from '../../support/quic-scripted.js';
import type { ShouldDrop } from './datagram-relay.js';

/**
 * The drop decision for `names`. The server name travels in the TLS ClientHello inside
 * the client Initial's encrypted payload, but the Initial keys derive from the Destination
 * Connection ID sent in the clear (RFC 9001 §5.2): any on-path box can decrypt it, as
 * Russia's TSPU has done since 2023 ("On Russia's Early Introduction of QUIC SNI
 * Censorship", FOCI 2026). Anything that is not a decryptable Initial passes.
 */
export function sniFilter(names: readonly string[]): ShouldDrop {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  return (datagram: Buffer) => {
    const sni = readClientInitial(datagram)?.hello?.sni;
    return sni !== null && sni !== undefined && wanted.has(sni.toLowerCase());
  };
}
