/** Which addresses a scenario's censor reaches: so that scenarios probed together cannot disturb each other (the catalogue tests check it). */
import type { Scenario } from './scenario-types.js';

/** 198.18.1.176/28 → [first, last] as 32-bit numbers; a bare address is a /32. */
export function range(cidr: string): [number, number] {
  const [ip, bits = '32'] = cidr.split('/');
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const first = n - (n % size);
  return [first, first + size - 1];
}

export const addressNumber = (ip: string): number => range(ip)[0];

/** Destinations of a scenario's actions (an iptables rule's `-d`, a TLS box's address), with the action's text. */
export function destinations(s: Scenario): { d: string; action: string }[] {
  return s.censor.flatMap((a) => {
    if (a.do === 'tls-box') return [{ d: a.ip, action: JSON.stringify(a) }];
    if (a.do !== 'iptables') return [];
    const i = a.rule.indexOf('-d');
    return i < 0 ? [] : [{ d: a.rule[i + 1], action: JSON.stringify(a) }];
  });
}

/**
 * Each case where one scenario's censor reaches an address of another scenario that does not
 * apply the same action: empty when they can share a run.
 */
export function collisions(scenarios: readonly Scenario[]): string[] {
  const out: string[] = [];
  for (const s of scenarios) {
    for (const { d, action } of destinations(s)) {
      const [lo, hi] = range(d);
      for (const other of scenarios.filter((o) => o !== s)) {
        const hit = Object.values(other.hosts).filter((ip) => addressNumber(ip) >= lo && addressNumber(ip) <= hi);
        if (hit.length && !destinations(other).some((x) => x.action === action)) out.push(`${s.name}'s ${d} covers ${other.name}'s ${hit.join(', ')}`);
      }
    }
  }
  return out;
}
