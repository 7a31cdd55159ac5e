/** Bogon answers: addresses censors use as DNS sinks, exactly the README's sink ranges. */
import ipaddr from 'ipaddr.js';

/**
 * The documentation and benchmarking ranges (192.0.2/24, 198.51.100/24,
 * 203.0.113/24, 198.18/15, 2001:db8::/32) are deliberately absent: labs use them.
 */
export const BOGON_RANGES_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

export const BOGON_RANGES_V6 = ['::/128', '::1/128', 'fc00::/7', 'fe80::/10'] as const;

const V4 = BOGON_RANGES_V4.map((c) => ipaddr.IPv4.parseCIDR(c));
const V6 = BOGON_RANGES_V6.map((c) => ipaddr.IPv6.parseCIDR(c));

/** Parses an address; null when the text is not one. IPv4 must be four-part decimal. */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return null;
}

/** A canonical text form, so that differently written addresses compare equal. */
export function canonicalAddress(text: string): string {
  const a = parseAddress(text);
  if (!a) return text;
  if (a.kind() === 'ipv6') {
    const v6 = a as ipaddr.IPv6;
    return v6.toRFC5952String();
  }
  return a.toString();
}

/** True when the address is in one of the bogon ranges. Text that is no address is not a bogon. */
export function isBogon(text: string): boolean {
  const a = parseAddress(text);
  if (!a) return false;
  if (a.kind() === 'ipv4') return V4.some((r) => (a as ipaddr.IPv4).match(r));
  const v6 = a as ipaddr.IPv6;
  // An IPv4-mapped answer (::ffff:10.1.2.3) reaches the IPv4 address: judge that.
  if (v6.isIPv4MappedAddress()) {
    const v4 = v6.toIPv4Address();
    return V4.some((r) => v4.match(r));
  }
  return V6.some((r) => v6.match(r));
}
