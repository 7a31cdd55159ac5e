/**
 * The JA4 of the hello a profile of probes/hellos/ sends, for TLS box rules that list clients by
 * profile: the censor keys on the fingerprint, the scenario names the client. Computed from the
 * hello blockwatch writes for that profile (net/tls-hello), with the ECH extension as the target
 * asks, since a JA4 differs with and without it.
 */
import { helloProfile } from '../../src/config/hellos.js';
import { buildClientHello, ClientHelloError, ja4, parseClientHello } from '../../src/net/tls-hello/index.js';
import type { HelloProfileRef, TlsBoxRule } from './services/tls-box-policy.js';

/** Any name: a JA4 says only whether the hello carries one. */
const SOME_NAME = 'profile.lab';

/** The hello a profile sends (as captured, or with its ECH extension added or taken away), written once. */
export function profileHello(ref: HelloProfileRef, sni: string | null = SOME_NAME): Buffer {
  const [name, ech] = typeof ref === 'string' ? [ref, undefined] : [ref.name, ref.ech];
  return buildClientHello(helloProfile(name), { sni, ...(ech ? { ech } : {}) });
}

/** The JA4 of the hello a profile sends. */
export function profileJa4(ref: HelloProfileRef): string {
  const hello = parseClientHello(profileHello(ref));
  if (hello instanceof ClientHelloError) throw new Error(`hello profile ${JSON.stringify(ref)}: its own hello does not parse: ${hello.message}`);
  return ja4(hello);
}

/** The rules with each `profiles` list turned into the profiles' JA4 strings. */
export function resolveProfiles(rules: readonly TlsBoxRule[]): TlsBoxRule[] {
  return rules.map((r) => {
    if (!r.match.profiles?.length) return r;
    const { profiles, ...match } = r.match;
    return { ...r, match: { ...match, ja4: [...(match.ja4 ?? []), ...profiles.map(profileJa4)] } };
  });
}
