/**
 * What the lab's TLS box does with a flow, decided from its ClientHello: the rules as data,
 * and the one function that matches them. The hello is read by src/net/tls-hello (the same
 * parser and JA4 blockwatch uses), never by a second parser here.
 */

/** A hello profile of probes/hellos/: as captured (its name), or with its ECH extension added or taken away. */
export type HelloProfileRef = string | { name: string; ech: 'grease' | 'none' };

/** What a rule looks for in a ClientHello; every field given must match, an empty match takes every hello. */
export interface HelloMatch {
  /** JA4 fingerprints (FoxIO) of listed clients: the TSPU's client classification. */
  ja4?: string[];
  /** Hello profiles of probes/hellos/; the lab turns them into `ja4` (of the hello each sends) when it applies the rule. */
  profiles?: HelloProfileRef[];
  /** Server names, matched whole and case-insensitively. */
  sni?: string[];
  /** The hello carries an ECH extension (or, false, carries none). */
  ech?: boolean;
}

/**
 * `reset`: RST to the client; `drop`: nothing more is forwarded either way and the box stays
 * silent; `delay`: forward, but hold the server's bytes for `delayMs` — its first flight
 * (ServerHello…Finished, `phase: handshake`) or its first bytes after the client's first
 * application data record (`phase: response`: time to first byte); `pass`: forward.
 */
export interface TlsBoxRule {
  match: HelloMatch;
  action: 'reset' | 'drop' | 'delay' | 'pass';
  delayMs?: number;
  phase?: 'handshake' | 'response';
}

/** What the box read from a ClientHello. */
export interface HelloView {
  sni: string | null;
  ech: boolean;
  ja4: string;
}

function matches(m: HelloMatch, h: HelloView): boolean {
  if (m.profiles?.length) throw new Error(`a TLS box rule still names profiles (${JSON.stringify(m.profiles)}): the lab resolves them to JA4 before it sends the rule`);
  if (m.ja4 && !m.ja4.includes(h.ja4)) return false;
  if (m.sni && !(h.sni !== null && m.sni.some((n) => n.toLowerCase() === h.sni!.toLowerCase()))) return false;
  if (m.ech !== undefined && m.ech !== h.ech) return false;
  return true;
}

/** The first rule that matches the hello, or null (pass). A flow whose first bytes are no ClientHello passes. */
export function decide(rules: readonly TlsBoxRule[], hello: HelloView | null): TlsBoxRule | null {
  if (!hello) return null;
  return rules.find((r) => matches(r.match, hello)) ?? null;
}
