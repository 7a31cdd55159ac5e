// The fingerprint loader: valid files load; every invalid entry is reported with file, field path and what is expected.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFingerprints } from '../../../src/config/fingerprints.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-fp-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadFingerprints', () => {
  it('loads the test fixtures with no issue', () => {
    const { db, errors } = loadFingerprints(join(import.meta.dirname, '../../golden/fingerprints'));
    expect(errors).toEqual([]);
    expect(db.dns.map((f) => f.pattern)).toContain('95.167.13.50');
    expect(db.dns.every((f) => f.location === 'dns' && f.patternType === 'full')).toBe(true);
    expect(db.http.find((f) => f.name === 'ru.rostelecom.warning_redirect')).toMatchObject({ location: 'header.location', patternType: 'prefix' });
  });

  it('reports every problem at once, each with file and field path, and keeps the valid entries', () => {
    const dir = folder({
      'dns.yaml': [
        '- { name: ok, pattern: 5.3.3.17, countries: [RU], source: s }',
        '- { name: bad-addr, pattern: 5.3.3, source: s }',
        '- { name: no-source, pattern: "::1" }',
        '- { name: extra, pattern: 1.2.3.4, source: s, color: red }',
        '- { name: ok, pattern: 1.2.3.5, source: s }',
        '- { name: lower, pattern: 1.2.3.6, source: s, countries: [ru] }',
      ].join('\n'),
      'http.yaml': [
        '- { name: good, location: status, type: full, pattern: 451, source: s }',
        '- { name: bad-re, location: body, type: regexp, pattern: "([", source: s }',
        '- { name: bad-loc, location: cookie, type: full, pattern: x, source: s }',
        '- { name: bad-type, location: body, type: glob, pattern: x, source: s }',
        '- { name: bad-status, location: status, type: full, pattern: "45", source: s }',
        '- just a string',
      ].join('\n'),
    });
    const { db, errors } = loadFingerprints(dir);
    const dns = join(dir, 'dns.yaml');
    const http = join(dir, 'http.yaml');
    expect(errors.map((e) => [e.file, e.path])).toEqual([
      [dns, '[1].pattern'],
      [dns, '[2].source'],
      [dns, '[3].color'],
      [dns, '[4].name'],
      [dns, '[5].countries[0]'],
      [http, '[1].pattern'],
      [http, '[2].location'],
      [http, '[3].type'],
      [http, '[4].pattern'],
      [http, '[5]'],
    ]);
    expect(errors[0].message).toMatch(/IPv4.*IPv6/);
    expect(errors[3].message).toBe('found "ok" again (first at [0]), expected a unique name: rename one');
    expect(db.dns.map((f) => f.name)).toEqual(['ok']);
    expect(db.http.map((f) => f.name)).toEqual(['good']);
    expect(db.http[0].pattern).toBe('451');
  });

  it('reports a file that is not a list, and YAML that does not parse', () => {
    const dir = folder({ 'dns.yaml': 'name: x\n', 'http.yaml': '- [unclosed\n' });
    const { errors } = loadFingerprints(dir);
    expect(errors[0]).toEqual({ file: join(dir, 'dns.yaml'), line: 1, path: '', message: 'found a mapping, expected a list of fingerprints (- { name: …, pattern: …, source: … })' });
    expect(errors[1].file).toBe(join(dir, 'http.yaml'));
    expect(errors[1].message).toMatch(/not valid YAML/);
  });

  it('takes a missing or empty file as no fingerprints', () => {
    expect(loadFingerprints(folder({ 'dns.yaml': '' }))).toEqual({ db: { dns: [], http: [] }, errors: [] });
  });
});
