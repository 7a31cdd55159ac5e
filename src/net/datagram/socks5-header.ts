/** The SOCKS5 UDP request header (RFC 1928 §7) that wraps every relayed datagram. */
import { decodeAddress, encodeAddress, type SocksAddress } from '../socks5/address.js';

/** RSV (2 bytes, 0), FRAG (0: we never fragment), the destination, then the payload: 10 bytes of header for IPv4, 22 for IPv6. */
export function wrapDatagram(dst: SocksAddress, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0]), encodeAddress(dst), payload]);
}

export interface Unwrapped {
  frag: number;
  /** For a reply: where the relay received the datagram from. */
  source: SocksAddress;
  payload: Buffer;
}

/** Splits a relayed datagram into header and payload; null when the header is cut short or its ATYP unknown. */
export function unwrapDatagram(msg: Buffer): Unwrapped | null {
  if (msg.length < 4) return null;
  const decoded = decodeAddress(msg, 3);
  if (!decoded) return null;
  return { frag: msg[2], source: decoded.address, payload: msg.subarray(decoded.end) };
}
