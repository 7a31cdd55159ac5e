/** Certificate summaries for measurements: subject, issuer, SANs, validity and SHA-256, leaf first. */
import { TLSSocket, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import type { CertificateSummary } from '../model/index.js';

function dn(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(name)) {
    if (Array.isArray(v)) for (const x of v) parts.push(`${k}=${x}`);
    else if (v !== undefined) parts.push(`${k}=${v}`);
  }
  return parts.join(', ');
}

function iso(opensslDate: string): string {
  const d = new Date(opensslDate);
  return Number.isNaN(d.getTime()) ? opensslDate : d.toISOString();
}

/** Names kept per certificate: a CDN certificate has a few hundred at most; a hostile one may carry thousands. */
export const MAX_SANS_KEPT = 256;

/** "DNS:a, IP Address:1.2.3.4" → ["a", "1.2.3.4"] (the names a certificate is valid for), the first MAX_SANS_KEPT. */
function sans(altnames: string | undefined): string[] {
  if (!altnames) return [];
  return altnames.split(', ', MAX_SANS_KEPT).map((s) => s.slice(s.indexOf(':') + 1));
}

/**
 * Summaries of certificates seen lately, by SHA-256: a daemon meets the same few server
 * certificates round after round. A summary is the same for the same certificate; it is
 * frozen, since measurements share it. Bounded: emptied when full.
 */
const summaries = new Map<string, CertificateSummary>();
const SUMMARIES_MAX = 1024;

export function summarize(c: PeerCertificate): CertificateSummary {
  const key = c.fingerprint256;
  const known = key ? summaries.get(key) : undefined;
  if (known) return known;
  const summary = summarizeNew(c);
  Object.freeze(summary.san);
  Object.freeze(summary);
  if (key) {
    if (summaries.size >= SUMMARIES_MAX) summaries.clear();
    summaries.set(key, summary);
  }
  return summary;
}

function summarizeNew(c: PeerCertificate): CertificateSummary {
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    san: sans(c.subjectaltname),
    notBefore: iso(c.valid_from),
    notAfter: iso(c.valid_to),
    sha256: (c.fingerprint256 ?? '').replace(/:/g, '').toLowerCase(),
  };
}

/**
 * The peer's certificates as a handshake reads them. Node 20's onConnectSecure calls
 * getPeerCertificate(true) to check the name, and that converts the whole chain to JS objects
 * and looks up its issuers in the trust store: ~0.6 ms a handshake, twenty times the cost of
 * converting the leaf alone (`npm run bench -- certs`). Node's tls.checkServerIdentity reads
 * only the leaf's `subject` and `subjectaltname`, so while `watch()` is on, the socket answers
 * that call with the leaf alone: the name is checked by Node's own function on the same fields.
 * getPeerX509Certificate() is not used: in Node 20 it takes the leaf off a client's peer chain,
 * after which getPeerCertificate(true) finds nothing.
 */
export class PeerCertificates {
  private leafObject: PeerCertificate | undefined;

  constructor(private readonly sock: TLSSocket) {}

  /** Until `restore()`, getPeerCertificate(true) gives the leaf alone, converted once. */
  watch(): void {
    this.sock.getPeerCertificate = ((): PeerCertificate => this.leaf()) as TLSSocket['getPeerCertificate'];
  }

  restore(): void {
    delete (this.sock as Partial<Pick<TLSSocket, 'getPeerCertificate'>>).getPeerCertificate;
  }

  private leaf(): PeerCertificate {
    this.leafObject ??= TLSSocket.prototype.getPeerCertificate.call(this.sock, false);
    return this.leafObject;
  }

  /**
   * The chain the server sent (and Node completed), leaf first; at most 8 certificates.
   * A validated handshake records only its leaf. A handshake that did not validate, where the
   * chain is the evidence (tls.mitm), records the whole chain.
   */
  chain(): { summaries: CertificateSummary[]; leaf: PeerCertificate | null } {
    if (this.sock.authorized) {
      const leaf = this.leaf();
      return leaf?.raw ? { summaries: [summarize(leaf)], leaf } : { summaries: [], leaf: null };
    }
    const leaf = TLSSocket.prototype.getPeerCertificate.call(this.sock, true) as DetailedPeerCertificate;
    if (!leaf || !leaf.raw) return { summaries: [], leaf: null };
    const out: CertificateSummary[] = [];
    const seen = new Set<string>();
    let c: DetailedPeerCertificate | undefined = leaf;
    while (c && c.raw && out.length < 8 && !seen.has(c.fingerprint256)) {
      seen.add(c.fingerprint256);
      out.push(summarize(c));
      c = c.issuerCertificate;
    }
    return { summaries: out, leaf };
  }
}
