/**
 * Loads the hello profiles (probes/hellos/<name>.yaml), reporting every problem with its file,
 * field and fix; checks that the JA3 and JA4 each file states are what the profile sends.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { profileFingerprint, validateProfile, type HelloProfile, type ProfileIssue } from '../net/tls-hello/index.js';
import { SHIPPED_HELLOS } from '../package-root.js';
import type { ConfigIssue } from './issues.js';
import { parseYamlFile } from './yaml-file.js';

export interface HelloProfiles {
  profiles: Map<string, HelloProfile>;
  issues: ConfigIssue[];
}

/** One file; the profile when it has no problem. */
export function loadHelloProfile(file: string, issues: ConfigIssue[]): HelloProfile | null {
  const doc = parseYamlFile(file, issues);
  if (doc === undefined) return null;
  const found: ProfileIssue[] = [];
  const profile = validateProfile(doc, found);
  issues.push(...found.map((i) => ({ file, path: i.path, message: i.message })));
  if (!profile) return null;
  profile.file = file;
  const expected = basename(file).replace(/\.ya?ml$/, '');
  if (profile.name !== expected) {
    issues.push({ file, path: 'name', message: `"${profile.name}" must match the file name: write name: ${expected}` });
    return null;
  }
  let fp;
  try {
    fp = profileFingerprint(profile);
  } catch (err) {
    issues.push({ file, path: 'extensions', message: `cannot write this hello: ${(err as Error).message}` });
    return null;
  }
  const before = issues.length;
  // Both are computed here; the file states them so that a reader (and a censor's list) can match them.
  if (profile.ja3 !== fp.ja3.md5) issues.push({ file, path: 'ja3', message: `${profile.ja3 ? `"${profile.ja3}" is not` : 'missing:'} the JA3 this profile sends (of the order listed): write ja3: ${fp.ja3.md5}` });
  if (profile.ja4 !== fp.ja4) issues.push({ file, path: 'ja4', message: `${profile.ja4 ? `"${profile.ja4}" is not` : 'missing:'} the JA4 this profile sends: write ja4: ${fp.ja4}` });
  return issues.length > before ? null : profile;
}

/** Every profile in `dir`, by name. */
export function loadHelloProfiles(dir: string): HelloProfiles {
  const issues: ConfigIssue[] = [];
  const profiles = new Map<string, HelloProfile>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort();
  } catch (err) {
    issues.push({ file: dir, path: '', message: `cannot read the hello profiles: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return { profiles, issues };
  }
  for (const n of names) {
    const p = loadHelloProfile(join(dir, n), issues);
    if (p) profiles.set(p.name, p);
  }
  return { profiles, issues };
}

let shipped: HelloProfiles | null = null;

/** The shipped profiles, read once per process (each probe worker reads its own). */
export function shippedHelloProfiles(): HelloProfiles {
  shipped ??= loadHelloProfiles(SHIPPED_HELLOS);
  return shipped;
}

/** A shipped profile by name; throws for an unknown one (config validation rejects those first). */
export function helloProfile(name: string): HelloProfile {
  const { profiles } = shippedHelloProfiles();
  const p = profiles.get(name);
  if (!p) throw new Error(`no hello profile "${name}" in ${SHIPPED_HELLOS}; known: ${[...profiles.keys()].join(', ') || 'none'}`);
  return p;
}
