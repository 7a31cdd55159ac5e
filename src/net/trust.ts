/** Trust stores: Node's root certificates plus extra anchors, built once per distinct set and cached. */
import { createHash } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const cache = new Map<string, SecureContext>();

function keyOf(extra: readonly string[]): string {
  if (extra.length === 0) return '';
  const h = createHash('sha256');
  for (const pem of extra) h.update(pem).update('\0');
  return h.digest('hex');
}

/**
 * A secure context trusting the public roots and `extra` (PEM texts). Parsing ~150 roots costs
 * milliseconds, so a context is made once per distinct set and reused by every handshake.
 */
export function trustContext(extra: readonly string[] = []): SecureContext {
  const key = keyOf(extra);
  let ctx = cache.get(key);
  if (!ctx) {
    ctx = createSecureContext({ ca: [...rootCertificates, ...extra] });
    cache.set(key, ctx);
  }
  return ctx;
}

/** Joins trust anchor lists, dropping empty ones, without allocating when there is nothing to add. */
export function joinCA(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] {
  if (!b || b.length === 0) return a ?? [];
  if (!a || a.length === 0) return b;
  return [...a, ...b];
}
