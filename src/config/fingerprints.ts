/** Loads and validates the fingerprint database (dns.yaml and http.yaml in one folder), reporting every problem at once. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Fingerprint, FingerprintDb, FingerprintLocation, FingerprintSource, PatternType } from '../model/index.js';
import { found, type ConfigIssue } from './issues.js';
import { CONFIG_LIMITS } from './limits.js';
import { locateIssues, readYamlFile } from './yaml-file.js';

type Kind = 'dns' | 'http';

const KEYS: Record<Kind, readonly string[]> = {
  dns: ['name', 'pattern', 'countries', 'source'],
  http: ['name', 'location', 'type', 'pattern', 'countries', 'source'],
};

const PATTERN_TYPES: readonly PatternType[] = ['full', 'prefix', 'contains', 'regexp'];
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const COUNTRY = /^[A-Z]{2}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isAddress(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s) || ipaddr.IPv6.isValid(s);
}

/** Validates one entry; pushes its issues and returns it only when it has none. */
function entry(kind: Kind, raw: unknown, at: string, file: string, issues: ConfigIssue[]): Fingerprint | null {
  const before = issues.length;
  const issue = (field: string, message: string): void => {
    issues.push({ file, path: field ? `${at}.${field}` : at, message });
  };
  if (!isRecord(raw)) {
    issue('', `found ${found(raw)}, expected a mapping with keys ${KEYS[kind].join(', ')}`);
    return null;
  }
  for (const k of Object.keys(raw))
    if (!KEYS[kind].includes(k)) issue(k, `unknown key "${k}": remove it or use one of ${KEYS[kind].join(', ')}`);

  const str = (k: string): string | null => {
    const v = raw[k];
    if (v === undefined || v === null) issue(k, `is required and missing: add ${k}: (expected text)`);
    else if (typeof v !== 'string' || v.trim() === '') issue(k, `found ${found(v)}, expected non-empty text`);
    else return v;
    return null;
  };
  const name = str('name');
  const source = str('source');

  let location: FingerprintLocation = 'dns';
  let patternType: PatternType = 'full';
  if (kind === 'http') {
    const loc = str('location');
    if (loc !== null) {
      if (loc === 'status' || loc === 'body') location = loc;
      else if (loc.startsWith('header.') && HEADER_NAME.test(loc.slice(7))) location = `header.${loc.slice(7).toLowerCase()}`;
      else issue('location', `"${loc}" is not a location: expected status, body or header.<name> (e.g. header.location)`);
    }
    const type = str('type');
    if (type !== null) {
      if ((PATTERN_TYPES as readonly string[]).includes(type)) patternType = type as PatternType;
      else issue('type', `"${type}" is not a pattern type: expected one of ${PATTERN_TYPES.join(', ')}`);
    }
  }

  // A status written as a bare number in YAML is still a status pattern.
  const rawPattern = raw.pattern;
  const pattern = kind === 'http' && location === 'status' && typeof rawPattern === 'number' ? String(rawPattern) : str('pattern');
  if (pattern !== null) {
    if (kind === 'dns' && !isAddress(pattern)) issue('pattern', `"${pattern}" is not an address: expected an IPv4 (four-part decimal) or IPv6 address`);
    if (kind === 'http' && patternType === 'regexp') {
      try {
        new RegExp(pattern);
      } catch (err) {
        issue('pattern', `not a valid regular expression: ${(err as Error).message}`);
      }
    }
    if (kind === 'http' && location === 'status' && patternType === 'full' && !/^[1-5]\d\d$/.test(pattern))
      issue('pattern', `"${pattern}" is not an HTTP status: expected three digits, e.g. 451`);
  }

  const countries: string[] = [];
  if (raw.countries !== undefined && raw.countries !== null) {
    if (!Array.isArray(raw.countries)) issue('countries', 'expected a list of ISO 3166 alpha-2 codes, e.g. [RU, BY]');
    else
      raw.countries.forEach((c, i) => {
        if (typeof c === 'string' && COUNTRY.test(c)) countries.push(c);
        else issue(`countries[${i}]`, `${JSON.stringify(c)} is not a country: expected an ISO 3166 alpha-2 code in capitals, e.g. RU`);
      });
  }

  if (issues.length > before || name === null || pattern === null || source === null) return null;
  return { name, location, patternType, pattern, countries, source };
}

function loadFile(kind: Kind, dir: string, issues: ConfigIssue[]): Fingerprint[] {
  const file = join(dir, `${kind}.yaml`);
  // A folder may hold only one of the two files.
  if (!existsSync(file)) return [];
  const before = issues.length;
  const yaml = readYamlFile(file, issues, {
    maxBytes: CONFIG_LIMITS.fingerprintBytes,
    what: 'a fingerprint file',
    fix: `keep it to ${CONFIG_LIMITS.fingerprints} fingerprints, the ones seen in the networks you watch`,
  });
  if (!yaml) return [];
  try {
    return entries(kind, yaml.value, file, issues);
  } finally {
    locateIssues(yaml, issues, before);
  }
}

function entries(kind: Kind, doc: unknown, file: string, issues: ConfigIssue[]): Fingerprint[] {
  if (doc === null || (isRecord(doc) && Object.keys(doc).length === 0)) return [];
  if (!Array.isArray(doc)) {
    issues.push({ file, path: '', message: `found ${found(doc)}, expected a list of fingerprints (- { name: …, pattern: …, source: … })` });
    return [];
  }
  if (doc.length > CONFIG_LIMITS.fingerprints) {
    issues.push({ file, path: '', message: `found ${doc.length} fingerprints, expected at most ${CONFIG_LIMITS.fingerprints}: keep the ones seen in the networks you watch` });
    return [];
  }
  const out: Fingerprint[] = [];
  const seen = new Map<string, number>();
  doc.forEach((raw, i) => {
    const fp = entry(kind, raw, `[${i}]`, file, issues);
    const name = isRecord(raw) && typeof raw.name === 'string' ? raw.name : null;
    if (name !== null) {
      const first = seen.get(name);
      if (first !== undefined) {
        issues.push({ file, path: `[${i}].name`, message: `found "${name}" again (first at [${first}]), expected a unique name: rename one` });
        return;
      }
      seen.set(name, i);
    }
    if (fp) out.push(fp);
  });
  return out;
}

/** Reads `dns.yaml` and `http.yaml` from `dir`. Invalid entries are left out of the db and reported, all of them. */
export function loadFingerprints(dir: string): { db: FingerprintDb; errors: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const dns = loadFile('dns', dir, errors);
  const http = loadFile('http', dir, errors);
  return { db: { dns, http }, errors };
}

/**
 * Builds one database from several folders, in order: an entry replaces an earlier one of
 * the same name (a user's own version of a shipped fingerprint), identical entries count once.
 * Returns the files read with what each contributed.
 */
export function mergeFingerprints(dirs: { dir: string; shipped: boolean }[]): { db: FingerprintDb; sources: FingerprintSource[]; errors: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const byKind: Record<Kind, Map<string, Fingerprint>> = { dns: new Map(), http: new Map() };
  const sources: FingerprintSource[] = [];
  for (const { dir, shipped } of dirs) {
    for (const kind of ['dns', 'http'] as const) {
      const file = join(dir, `${kind}.yaml`);
      if (!existsSync(file)) continue;
      const entries = loadFile(kind, dir, errors);
      const replaced: string[] = [];
      for (const fp of entries) {
        const before = byKind[kind].get(fp.name);
        if (before && JSON.stringify(before) !== JSON.stringify(fp)) replaced.push(fp.name);
        byKind[kind].set(fp.name, fp);
      }
      sources.push({ file, count: entries.length, shipped, replaced });
    }
  }
  return { db: { dns: [...byKind.dns.values()], http: [...byKind.http.values()] }, sources, errors };
}
