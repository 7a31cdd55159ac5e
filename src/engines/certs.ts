/** Certificate summaries for measurements: subject, issuer, SANs, validity and SHA-256, leaf first. */
import type { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
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

export function summarize(c: PeerCertificate): CertificateSummary {
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    san: sans(c.subjectaltname),
    notBefore: iso(c.valid_from),
    notAfter: iso(c.valid_to),
    sha256: (c.fingerprint256 ?? '').replace(/:/g, '').toLowerCase(),
  };
}

/** X509Certificate names are one attribute a line; measurements join them like dn(). */
const joinDn = (name: string): string => name.split('\n').join(', ');

function summarizeX509(c: X509Certificate): CertificateSummary {
  return {
    subject: joinDn(c.subject),
    issuer: joinDn(c.issuer),
    san: sans(c.subjectAltName),
    notBefore: iso(c.validFrom),
    notAfter: iso(c.validTo),
    sha256: c.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/**
 * The chain the server sent (and Node completed), leaf first; at most 8 certificates.
 * A validated handshake records only its leaf, read lazily through X509Certificate:
 * getPeerCertificate(true) turns every certificate of the chain into a JS object (key,
 * raw DER, three fingerprints) and cost a third of a probe's CPU. A handshake that did not
 * validate, where the chain is the evidence (tls.mitm), still records the whole chain.
 */
export function peerChain(sock: TLSSocket): { summaries: CertificateSummary[]; leaf: X509Certificate | PeerCertificate | null } {
  if (sock.authorized) {
    const x = sock.getPeerX509Certificate();
    return x ? { summaries: [summarizeX509(x)], leaf: x } : { summaries: [], leaf: null };
  }
  const leaf = sock.getPeerCertificate(true) as DetailedPeerCertificate;
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
