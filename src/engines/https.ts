/** The https engine: resolve, connect, TLS, then GET; follows redirects hop by hop, and measures throughput when asked. */
import type { Socket } from 'node:net';
import type { HttpsTarget, Measurement } from '../model/index.js';
import { isIpLiteral } from '../model/index.js';
import { connectFirst, dialTls, finish, resolveInto } from './dial.js';
import { httpStep } from './http-step.js';
import { fail, newMeasurement } from './measurement.js';
import { NetError, toFailure } from '../net/errors.js';
import type { Engine } from './types.js';

export const MAX_REDIRECTS = 5;
/** A target that redirects past MAX_REDIRECTS (a loop, or a chain too long to be a page) never answered. */
export const TOO_MANY_REDIRECTS = 'unknown_failure: too_many_redirects';
/** Only HTTP/1.1 is spoken on the socket, so only it is offered. */
const ALPN = ['http/1.1'];

function nextHop(code: number, location: string | undefined, base: URL): URL | null {
  if (code < 300 || code > 399 || code === 304 || !location) return null;
  try {
    const u = new URL(location, base);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : null;
  } catch {
    return null;
  }
}

export const httpsEngine: Engine<HttpsTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  let url = new URL(target.url);
  let ttfb = 0;
  // Each hop is its own resolve/connect/TLS/GET: a blockpage redirect often leads to another host.
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const addrs = await resolveInto(m, host, ctx, started);
    if (addrs.length === 0) break;
    let socket: Socket;
    let wire: Socket;
    if (url.protocol === 'https:') {
      const d = await dialTls(m, addrs, port, { sni: isIpLiteral(host) ? null : host, alpn: ALPN, ca: target.ca }, ctx, started);
      if (!d) break;
      if (!d.validated) {
        // Like a browser, no request goes to a server that failed validation; the failure is recorded.
        d.tls.destroy();
        break;
      }
      socket = d.tls;
      wire = d.raw;
    } else {
      const c = await connectFirst(m, addrs, port, ctx, started);
      if (!c) break;
      socket = c.socket;
      wire = c.socket;
    }
    const last = hop === MAX_REDIRECTS;
    const r = await httpStep(socket, url, ctx, started, {
      bodyBytes: ctx.limits.bodyBytes,
      stallMs: ctx.limits.stallMs,
      transferBytes: target.transfer?.bytes,
      wire,
    });
    m.requests.push(r.record);
    if (r.ttfb !== undefined) ttfb += r.ttfb;
    if (r.record.failure) {
      fail(m, r.record.failure, r.operation ?? 'http_round_trip');
      if (r.transfer) m.transfer = r.transfer;
      break;
    }
    const res = r.record.response;
    const next = res ? nextHop(res.code, res.headers.location, url) : null;
    if (next && last) {
      // Still redirecting after the last hop allowed: the target never gave a final response.
      fail(m, toFailure(new NetError(TOO_MANY_REDIRECTS, `no final response after ${MAX_REDIRECTS} redirects`, 'BW_REDIRECTS'), 'http_round_trip').failure, 'http_round_trip');
      break;
    }
    if (!next) {
      if (r.transfer) m.transfer = r.transfer;
      break;
    }
    url = next;
  }
  if (m.requests.length > 0) m.timings.ttfb = ttfb;
  return finish(m, started);
};
