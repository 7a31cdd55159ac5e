// Properties of the fingerprint matchers over untrusted responses and answers: the shipped database and arbitrary ones never throw, and a match is always a fingerprint of the database.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchDnsFingerprint, matchHttpFingerprint, matchesPattern } from '../../../src/analysis/fingerprints-match.js';
import { loadFingerprints } from '../../../src/config/fingerprints.js';
import type { Fingerprint, FingerprintDb } from '../../../src/model/index.js';

const shipped = loadFingerprints(join(import.meta.dirname, '../../../probes/fingerprints')).db;

/** Text a hostile server controls: anything, or text near what the database looks for. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 2048 }),
  fc.string({ unit: 'grapheme', maxLength: 512 }),
  fc.constantFrom(...shipped.http.map((f) => f.pattern), ...shipped.dns.map((f) => f.pattern)).chain((p) =>
    fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 })).map(([a, b]) => `${a}${p}${b}`),
  ),
);

const headers = fc.dictionary(fc.oneof(fc.constantFrom('location', 'Location', 'server', 'x-squid-error', 'set-cookie'), fc.string({ maxLength: 20 })), hostileText, { maxKeys: 8 });

/** Fingerprints as a hand-built database may hold them, regular expressions (even broken ones) included. */
const fingerprint: fc.Arbitrary<Fingerprint> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 20 }),
  location: fc.constantFrom('dns', 'status', 'body', 'header.location', 'header.server', 'header.'),
  patternType: fc.constantFrom('full', 'prefix', 'contains', 'regexp'),
  pattern: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('(', '[a-', '\\', '*', 'a{2,1}', '(?<x>a)\\k<y>', '^warning\\.[a-z]+\\.ru$')),
  countries: fc.constant([]),
  source: fc.constant('property test'),
}) as fc.Arbitrary<Fingerprint>;

describe('matchHttpFingerprint', () => {
  it('never throws on any response against the shipped database, and returns one of its fingerprints or null', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), headers, hostileText, (status, h, body) => {
        const fp = matchHttpFingerprint({ status, headers: h, body }, shipped);
        if (fp) expect(shipped.http).toContain(fp);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws with arbitrary fingerprints, broken expressions included', () => {
    fc.assert(
      fc.property(fc.array(fingerprint, { maxLength: 10 }), fc.integer({ min: 0, max: 999 }), headers, hostileText, (http, status, h, body) => {
        const db: FingerprintDb = { dns: [], http };
        const fp = matchHttpFingerprint({ status, headers: h, body }, db);
        if (fp) expect(http).toContain(fp);
      }),
      { numRuns: 2000 },
    );
  });

  it('a body that contains a shipped body pattern is matched (the matcher is not vacuous)', () => {
    const bodyFps = shipped.http.filter((f) => f.location === 'body' && f.patternType === 'contains');
    expect(bodyFps.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.constantFrom(...bodyFps), fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }), (f, a, b) => {
        expect(matchHttpFingerprint({ status: 200, headers: {}, body: `${a}${f.pattern}${b}` }, shipped)).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

describe('matchDnsFingerprint and matchesPattern', () => {
  it('never throw on any answer text, address or not', () => {
    const answer = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), hostileText);
    fc.assert(
      fc.property(answer, (a) => {
        const fp = matchDnsFingerprint(a, shipped);
        if (fp) expect(shipped.dns).toContain(fp);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throw with arbitrary fingerprints', () => {
    fc.assert(
      fc.property(fc.array(fingerprint, { maxLength: 10 }), hostileText, (dns, a) => {
        matchDnsFingerprint(a, { dns, http: [] });
        for (const f of dns) expect(typeof matchesPattern(f, a)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
