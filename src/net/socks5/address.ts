/** SOCKS5 addresses (RFC 1928 §5): ATYP, address and port, as requests, replies and UDP headers carry them. */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;

export interface SocksAddress {
  atyp: number;
  /** 4 or 16 address bytes; for a domain, the name without its length byte. */
  addr: Buffer;
  port: number;
}

/** An IP literal as a SOCKS address; a name as a domain address (at most 255 bytes, RFC 1928 §5). */
export function socksAddress(host: string, port: number): SocksAddress {
  if (!isIP(host)) return { atyp: ATYP_DOMAIN, addr: Buffer.from(host).subarray(0, 255), port };
  const bytes = Buffer.from(ipaddr.parse(host).toByteArray());
  return { atyp: bytes.length === 4 ? ATYP_IPV4 : ATYP_IPV6, addr: bytes, port };
}

/** ATYP, address and port as they appear on the wire. */
export function encodeAddress(a: SocksAddress): Buffer {
  const lenByte = a.atyp === ATYP_DOMAIN ? Buffer.from([a.addr.length]) : Buffer.alloc(0);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(a.port);
  return Buffer.concat([Buffer.from([a.atyp]), lenByte, a.addr, port]);
}

/** The address bytes an ATYP announces after itself (the domain form needs its length byte); -1 if unknown. */
export function addressLength(atyp: number, firstByte: number | undefined): number {
  if (atyp === ATYP_IPV4) return 4;
  if (atyp === ATYP_IPV6) return 16;
  if (atyp === ATYP_DOMAIN) return firstByte === undefined ? -1 : 1 + firstByte;
  return -1;
}

/** Reads ATYP, address and port at `at`; null when the buffer ends early or the ATYP is unknown. */
export function decodeAddress(buf: Buffer, at: number): { address: SocksAddress; end: number } | null {
  if (at >= buf.length) return null;
  const atyp = buf[at];
  const len = addressLength(atyp, buf[at + 1]);
  if (len < 0 || at + 1 + len + 2 > buf.length) return null;
  const addr = atyp === ATYP_DOMAIN ? buf.subarray(at + 2, at + 1 + len) : buf.subarray(at + 1, at + 1 + len);
  return { address: { atyp, addr, port: buf.readUInt16BE(at + 1 + len) }, end: at + 1 + len + 2 };
}

/** The text form of an IP address in a SOCKS address (null for a domain). */
export function addressIp(a: SocksAddress): string | null {
  if (a.atyp === ATYP_DOMAIN) return null;
  return ipaddr.fromByteArray(Array.from(a.addr)).toString();
}

export function sameAddress(a: SocksAddress, b: SocksAddress): boolean {
  return a.atyp === b.atyp && a.port === b.port && a.addr.equals(b.addr);
}

