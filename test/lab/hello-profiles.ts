/**
 * The JA4 of a hello profile (probes/hellos/<name>.yaml), for TLS box rules that list clients
 * by profile: the censor keys on the fingerprint, the scenario names the client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import type { HelloProfileRef, TlsBoxRule } from './services/tls-box-policy.js';

/** The `ja4` a profile file states; an error naming the file and the field when it has none. */
export function profileJa4(name: string): string {
  const file = join(PACKAGE_ROOT, 'probes', 'hellos', `${name}.yaml`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`hello profile ${name}: cannot read ${file}: ${(e as Error).message}`);
  }
  const ja4 = (doc as { ja4?: unknown } | null)?.ja4;
  if (typeof ja4 !== 'string' || !/^[tqd]\d\d[di]\d{4}\w\w_[0-9a-f]{12}_[0-9a-f]{12}$/.test(ja4)) {
    throw new Error(`hello profile ${name}: ${file} field ja4 must be the profile's JA4 (e.g. t13d1516h2_8daaf6152771_e5627efa2ab1), got ${JSON.stringify(ja4)}`);
  }
  return ja4;
}

/** The JA4 of the hello a profile sends, as captured or with its ECH extension added or taken away. */
export function refJa4(ref: HelloProfileRef): string {
  if (typeof ref === 'string') return profileJa4(ref);
  throw new Error(`hello profile ${ref.name} with ech ${ref.ech}: not known yet`);
}

/** The rules with each `profiles` list turned into the profiles' JA4 strings. */
export function resolveProfiles(rules: readonly TlsBoxRule[]): TlsBoxRule[] {
  return rules.map((r) => {
    if (!r.match.profiles?.length) return r;
    const { profiles, ...match } = r.match;
    return { ...r, match: { ...match, ja4: [...(match.ja4 ?? []), ...profiles.map(refJa4)] } };
  });
}
