/**
 * Link state of the interface a route goes out of. Linux keeps the routes of an interface
 * that lost its carrier (a cable pulled, a modem off, a veth whose peer is down), marked
 * `linkdown`, so connect(2) on a UDP socket still finds one: the route lookup alone cannot
 * tell. The main table (/proc/net/route, /proc/net/ipv6_route; proc(5)) names the
 * interface, and /sys/class/net/<dev>/carrier and operstate (kernel
 * Documentation/ABI/testing/sysfs-class-net) say whether it has a link.
 */
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { endianness } from 'node:os';

/** An address as bytes, network order. */
function bytesOf(ip: string): Buffer | null {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  if (ip.includes('.')) return null;
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.length === 8 ? Buffer.from(all.map((g) => g.padStart(4, '0')).join(''), 'hex') : null;
}

/** Whether the first `bits` bits of two addresses agree. */
function samePrefix(a: Buffer, b: Buffer, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const bit = 7 - (i % 8);
    if (((a[i >> 3] >> bit) & 1) !== ((b[i >> 3] >> bit) & 1)) return false;
  }
  return true;
}

/** /proc/net/route writes addresses as the host's 32-bit words in hex. */
function v4Word(hex: string): Buffer {
  const b = Buffer.from(hex, 'hex');
  return endianness() === 'LE' ? b.reverse() : b;
}

function prefixLength(mask: Buffer): number {
  let n = 0;
  for (const byte of mask) n += byte.toString(2).replace(/0/g, '').length;
  return n;
}

/** The interface the main routing table sends `ip` out of (longest prefix, then lowest metric); null when none or unreadable. */
export async function egressInterface(ip: string): Promise<string | null> {
  const dest = bytesOf(ip);
  if (!dest) return null;
  const v4 = dest.length === 4;
  const text = await readFile(v4 ? '/proc/net/route' : '/proc/net/ipv6_route', 'utf8').catch(() => null);
  if (text === null) return null;
  let best: { dev: string; bits: number; metric: number } | null = null;
  for (const line of text.split('\n').slice(v4 ? 1 : 0)) {
    const f = line.trim().split(/\s+/);
    let dev: string, net: Buffer, bits: number, metric: number, flags: number;
    if (v4) {
      if (f.length < 8) continue;
      [dev, net, flags, metric, bits] = [f[0], v4Word(f[1]), parseInt(f[3], 16), Number(f[6]), prefixLength(v4Word(f[7]))];
    } else {
      if (f.length < 10) continue;
      [dev, net, bits, metric, flags] = [f[9], Buffer.from(f[0], 'hex'), parseInt(f[1], 16), parseInt(f[5], 16), parseInt(f[8], 16)];
    }
    // RTF_UP (0x1); RTF_REJECT (0x200) routes (unreachable, prohibit) lead nowhere.
    if (!(flags & 0x1) || flags & 0x200 || !samePrefix(net, dest, bits)) continue;
    if (!best || bits > best.bits || (bits === best.bits && metric < best.metric)) best = { dev, bits, metric };
  }
  return best?.dev ?? null;
}

/** True when the interface has no link (carrier 0, or operstate down / lowerlayerdown); false when it has one or it cannot be told. */
export async function linkDown(dev: string): Promise<boolean> {
  if (!/^[\w.:@-]+$/.test(dev)) return false;
  const read = (f: string) => readFile(`/sys/class/net/${dev}/${f}`, 'utf8').then((s) => s.trim(), () => null);
  const [carrier, operstate] = await Promise.all([read('carrier'), read('operstate')]);
  // An interface that is administratively down has no routes; carrier reads EINVAL then.
  return carrier === '0' || operstate === 'down' || operstate === 'lowerlayerdown';
}
