/**
 * What the lab's QUIC SNI filter drops: client datagrams whose Initial carries a
 * ClientHello naming a filtered server. This is the one place that decides it.
 */
import type { ShouldDrop } from './datagram-relay.js';

/**
 * The drop decision for `names`. The server name travels in the TLS ClientHello inside
 * the client Initial's encrypted payload (RFC 9001 §5.2: keys derived from the Destination
 * Connection ID, so any on-path box can derive them too). Reading it takes an Initial
 * decryptor, which is src/net/quic/'s job; this policy passes every datagram, so a relay
 * built on it forwards everything and filters nothing.
 */
export function sniFilter(names: readonly string[]): ShouldDrop {
  void names;
  return () => false;
}
