/** Trust stores: Node's root certificates plus extra anchors, built once per distinct set and cached. */
import { createHash } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const cache = new Map<string, SecureContext>();
const NONE: readonly string[] = Object.freeze([]);
/**
 * The context of a list already seen: the config's and a target's CA lists are the same arrays
 * on every probe, so each is hashed once. Lists are never changed once a config is loaded (a
 * reload makes new ones).
 */
const byList = new WeakMap<readonly string[], SecureContext>();

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
export function trustContext(extra: readonly string[] = NONE): SecureContext {
  let ctx = byList.get(extra);
  if (ctx) return ctx;
  const key = keyOf(extra);
  ctx = cache.get(key);
  if (!ctx) {
    ctx = createSecureContext({ ca: [...rootCertificates, ...extra] });
    cache.set(key, ctx);
  }
  byList.set(extra, ctx);
  return ctx;
}

/** Joins trust anchor lists, dropping empty ones, without allocating when there is nothing to add. */
export function joinCA(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] {
  if (!b || b.length === 0) return a ?? NONE;
  if (!a || a.length === 0) return b;
  return [...a, ...b];
}
