/** Bearer-token and basic auth of the HTTP listener, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../model/index.js';

export type AuthConfig = NonNullable<ServerConfig['auth']>;

/** Digests first, so neither the comparison time nor a length check tells how much of a secret matched. */
function same(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** True when the Authorization header satisfies the configured auth (or none is configured). */
export function authorized(auth: AuthConfig | undefined, header: string | undefined): boolean {
  if (!auth) return true;
  if (!header) return false;
  const sp = header.indexOf(' ');
  const scheme = sp < 0 ? header : header.slice(0, sp);
  const value = sp < 0 ? '' : header.slice(sp + 1).trim();
  if (auth.type === 'bearer') return scheme.toLowerCase() === 'bearer' && same(value, auth.token);
  if (scheme.toLowerCase() !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared every time: no early exit on a wrong user name.
  const userOk = same(decoded.slice(0, colon), auth.username);
  const passOk = same(decoded.slice(colon + 1), auth.password);
  return userOk && passOk;
}

/** The WWW-Authenticate challenge of a 401 (RFC 6750 for bearer, RFC 7617 for basic). */
export function challenge(auth: AuthConfig): string {
  return auth.type === 'bearer' ? 'Bearer realm="blockwatch"' : 'Basic realm="blockwatch", charset="UTF-8"';
}
