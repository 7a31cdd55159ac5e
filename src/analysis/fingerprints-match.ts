/** Matching fingerprints: known blockpage addresses (DNS) and known blockpages (status, body, headers). */
import type { Fingerprint, FingerprintDb } from '../model/index.js';
import { canonicalAddress } from './bogon.js';

/** What an HTTP fingerprint is matched against: a response as the engine or a diagnosis saw it. */
export interface HttpSubject {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const compiled = new WeakMap<Fingerprint, RegExp | null>();

function regexpOf(fp: Fingerprint): RegExp | null {
  let re = compiled.get(fp);
  if (re === undefined) {
    try {
      re = new RegExp(fp.pattern);
    } catch {
      // The loader rejects bad expressions; a hand-built db may still hold one: it matches nothing.
      re = null;
    }
    compiled.set(fp, re);
  }
  return re;
}

/** Whether `value` matches the fingerprint's pattern, by its pattern type. */
export function matchesPattern(fp: Fingerprint, value: string): boolean {
  switch (fp.patternType) {
    case 'full':
      return value === fp.pattern;
    case 'prefix':
      return value.startsWith(fp.pattern);
    case 'contains':
      return value.includes(fp.pattern);
    case 'regexp':
      return regexpOf(fp)?.test(value) ?? false;
  }
}

/** The DNS fingerprint naming this address as a blockpage address, if any. */
export function matchDnsFingerprint(address: string, db: FingerprintDb): Fingerprint | null {
  const want = canonicalAddress(address);
  for (const fp of db.dns) {
    // Addresses are compared in canonical form: 2001:DB8::0001 is 2001:db8::1.
    if (fp.patternType === 'full' ? canonicalAddress(fp.pattern) === want : matchesPattern(fp, want)) return fp;
  }
  return null;
}

/** The response's headers by lower-case name, built once per response (the first header of a name wins). */
function lowerCased(headers: Record<string, string>): Map<string, string> {
  const byName = new Map<string, string>();
  for (const k in headers) {
    const lower = k.toLowerCase();
    if (!byName.has(lower)) byName.set(lower, headers[k]);
  }
  return byName;
}

/**
 * The first HTTP fingerprint the response matches, if any. A redirect to a
 * known warning host is caught by `header.location` fingerprints.
 */
export function matchHttpFingerprint(subject: HttpSubject, db: FingerprintDb): Fingerprint | null {
  let status: string | undefined;
  let headers: Map<string, string> | undefined;
  for (const fp of db.http) {
    let value: string | undefined;
    if (fp.location === 'status') value = status ??= String(subject.status);
    else if (fp.location === 'body') value = subject.body;
    else if (fp.location.startsWith('header.')) value = (headers ??= lowerCased(subject.headers)).get(fp.location.slice('header.'.length).toLowerCase());
    if (value !== undefined && matchesPattern(fp, value)) return fp;
  }
  return null;
}

/** The part of a fingerprint that goes into evidence. */
export function fingerprintEvidence(fp: Fingerprint): Record<string, unknown> {
  return { name: fp.name, location: fp.location, type: fp.patternType, pattern: fp.pattern, countries: fp.countries, source: fp.source };
}
