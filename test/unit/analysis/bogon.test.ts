// Bogon ranges: exactly the README's list, checked at every edge and against an arithmetic oracle.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBogon } from '../../../src/analysis/bogon.js';

/** [first, last] of each IPv4 bogon range, as the README lists them. */
const V4_RANGES: Array<[string, string]> = [
  ['0.0.0.0', '0.255.255.255'],
  ['10.0.0.0', '10.255.255.255'],
  ['100.64.0.0', '100.127.255.255'],
  ['127.0.0.0', '127.255.255.255'],
  ['169.254.0.0', '169.254.255.255'],
  ['172.16.0.0', '172.31.255.255'],
  ['192.168.0.0', '192.168.255.255'],
  ['224.0.0.0', '255.255.255.255'],
];

const toInt = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toText = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

describe('isBogon', () => {
  it.each(V4_RANGES)('includes %s and %s and nothing just outside', (first, last) => {
    expect(isBogon(first)).toBe(true);
    expect(isBogon(last)).toBe(true);
    if (toInt(first) > 0) expect(isBogon(toText(toInt(first) - 1))).toBe(V4_RANGES.some(([f, l]) => toInt(f) <= toInt(first) - 1 && toInt(first) - 1 <= toInt(l)));
    if (toInt(last) < 2 ** 32 - 1) expect(isBogon(toText(toInt(last) + 1))).toBe(false);
  });

  it.each(['192.0.2.1', '198.51.100.7', '203.0.113.80', '198.18.0.1', '198.19.255.255', '2001:db8::1', '2001:db8:ffff::66'])(
    'leaves the documentation and benchmarking address %s out (labs use them)',
    (a) => expect(isBogon(a)).toBe(false),
  );

  it.each([
    ['::', true],
    ['::1', true],
    ['::2', false],
    ['fc00::', true],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
    ['fe00::', false],
    ['fe80::', true],
    ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fec0::', false],
    ['2001:67c:4e8:f004::9', false],
    ['::ffff:10.10.34.34', true],
    ['::ffff:149.154.167.99', false],
  ] as const)('IPv6 %s is bogon: %s', (a, want) => expect(isBogon(a)).toBe(want));

  it.each(['', 'telegram.org', '10.1', '010.0.0.1', '1.2.3.256', 'fe80::zz'])('text %j that is no address is not a bogon', (a) => {
    expect(isBogon(a)).toBe(false);
  });

  it('agrees with an arithmetic oracle on every IPv4 address fast-check draws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const want = V4_RANGES.some(([f, l]) => toInt(f) <= n && n <= toInt(l));
        expect(isBogon(toText(n))).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });
});
