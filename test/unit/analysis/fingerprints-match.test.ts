// Fingerprint matching: each location and pattern type, header names without case, addresses in any spelling.
import { describe, expect, it } from 'vitest';
import { matchDnsFingerprint, matchHttpFingerprint } from '../../../src/analysis/fingerprints-match.js';
import type { Fingerprint, FingerprintDb } from '../../../src/model/index.js';

const fp = (name: string, location: Fingerprint['location'], patternType: Fingerprint['patternType'], pattern: string): Fingerprint => ({
  name,
  location,
  patternType,
  pattern,
  countries: [],
  source: 'test',
});

const db: FingerprintDb = {
  dns: [fp('ru.blockpage', 'dns', 'full', '95.167.13.50'), fp('lab.v6', 'dns', 'full', '2001:DB8:0:0::0066')],
  http: [
    fp('status.full', 'status', 'full', '418'),
    fp('status.prefix', 'status', 'prefix', '52'),
    fp('body.contains', 'body', 'contains', 'eais.rkn.gov.ru'),
    fp('body.regexp', 'body', 'regexp', '<title>Blocked by [A-Za-z ]+</title>'),
    fp('location.prefix', 'header.location', 'prefix', 'http://warning.rt.ru'),
    fp('server.full', 'header.server', 'full', 'lab-censor/1.0'),
    fp('broken', 'body', 'regexp', '(['),
  ],
};

const subject = (status: number, headers: Record<string, string> = {}, body = '') => ({ status, headers, body });

describe('matchHttpFingerprint', () => {
  it.each([
    ['a full status', subject(418), 'status.full'],
    ['a status prefix', subject(522), 'status.prefix'],
    ['a body substring', subject(200, {}, 'see https://eais.rkn.gov.ru/ for details'), 'body.contains'],
    ['a body expression', subject(200, {}, '<html><title>Blocked by Lab Censor</title>'), 'body.regexp'],
    ['a redirect to a known warning host', subject(302, { Location: 'http://warning.rt.ru/?id=1' }), 'location.prefix'],
    ['a full header value, header name in any case', subject(200, { SERVER: 'lab-censor/1.0' }), 'server.full'],
  ])('matches %s', (_what, s, name) => {
    expect(matchHttpFingerprint(s, db)?.name).toBe(name);
  });

  it.each([
    ['a status that is not the full pattern', subject(4180)],
    ['a header that only contains a full pattern', subject(200, { server: 'lab-censor/1.0 extra' })],
    ['a Location to another host', subject(302, { location: 'https://web.telegram.org/' })],
    ['a body without the text', subject(200, {}, '<title>Telegram Web</title>')],
  ])('does not match %s', (_what, s) => {
    expect(matchHttpFingerprint(s, db)).toBeNull();
  });

  it('treats a broken expression as matching nothing rather than throwing', () => {
    expect(matchHttpFingerprint(subject(200, {}, '(['), { dns: [], http: [db.http[6]] })).toBeNull();
  });
});

describe('matchDnsFingerprint', () => {
  it('matches a known blockpage address', () => {
    expect(matchDnsFingerprint('95.167.13.50', db)?.name).toBe('ru.blockpage');
  });
  it('matches an IPv6 address however it is written', () => {
    expect(matchDnsFingerprint('2001:db8::66', db)?.name).toBe('lab.v6');
  });
  it('does not match a neighbouring address', () => {
    expect(matchDnsFingerprint('95.167.13.51', db)).toBeNull();
  });
});
