/** STUN address attributes: MAPPED-ADDRESS and XOR-MAPPED-ADDRESS (RFC 8489 §14.1, §14.2), bounds-checked. */
import ipaddr from 'ipaddr.js';
import { hostPort } from '../../model/index.js';

/** RFC 8489 §5: the fixed value in every message header since RFC 5389. */
export const MAGIC_COOKIE = 0x2112a442;

const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;

export interface TransportAddress {
  ip: string;
  port: number;
}

/** ip:port as measurements write addresses (IPv6 in brackets). */
export function formatAddress(a: TransportAddress): string {
  return hostPort(a.ip, a.port);
}

function ipOf(bytes: Uint8Array): string {
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}

/**
 * Reads an address attribute's value: 1 reserved byte, the family, the port, then 4 (IPv4) or
 * 16 (IPv6) address bytes. With `transactionId`, the value is XOR-MAPPED-ADDRESS: the port is
 * XORed with the cookie's top 16 bits, an IPv4 address with the cookie, an IPv6 address with
 * the cookie followed by the transaction id. Null when the value is malformed.
 */
export function readAddress(value: Buffer, transactionId?: Buffer): TransportAddress | null {
  if (value.length < 4) return null;
  const family = value[1];
  const size = family === FAMILY_IPV4 ? 4 : family === FAMILY_IPV6 ? 16 : 0;
  if (size === 0 || value.length !== 4 + size) return null;
  let port = value.readUInt16BE(2);
  const addr = Buffer.from(value.subarray(4, 4 + size));
  if (transactionId) {
    port ^= MAGIC_COOKIE >>> 16;
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(MAGIC_COOKIE, 0);
    transactionId.copy(mask, 4, 0, 12);
    for (let i = 0; i < size; i++) addr[i] ^= mask[i];
  }
  return { ip: ipOf(addr), port };
}
