/**
 * One HTTP/1.1 GET on a socket the probe already connected (and handshook): status, headers, a
 * capped body, timings. One request with `Connection: close`, parsed by http1-parse.ts; no
 * client, pool, retry or decompression: one probe pays for one exchange.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { HttpRequest, HttpResponse, Operation, ThroughputSample } from '../model/index.js';
import { now, seconds, since } from '../net/clock.js';
import { NetError, abortReason, toFailure } from '../net/errors.js';
import { ResponseParser, type ParsedHead } from './http1-parse.js';
import type { ProbeContext } from './types.js';

/** Bytes of the body kept as text for fingerprint matching. */
export const BODY_SAMPLE_BYTES = 2048;
const USER_AGENT = 'blockwatch/0.1 (+reachability monitor)';
const TITLE = /<title[^>]*>([^<]{0,512})</i;

export interface HttpStepOptions {
  /** Body bytes kept, hashed and sampled (limits.bodyBytes). */
  bodyBytes: number;
  /** A response with no byte on the wire for this long ends as stalled (limits.stallMs). */
  stallMs: number;
  /** For a throughput measurement: read this many bytes, past bodyBytes. */
  transferBytes?: number;
  /** The TCP socket under `socket`, whose byte count is what a censor's freeze counts. */
  wire?: Socket;
}

export interface HttpStepResult {
  record: HttpRequest;
  /** Where it failed, when record.failure is set. */
  operation: Operation | null;
  /** Seconds from sending the request to the response headers. */
  ttfb?: number;
  transfer?: ThroughputSample;
}

/** The request as sent: `Host` from the URL (with its port when not the default), then ours. */
function requestText(url: URL, headers: Record<string, string>): string {
  let req = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const k in headers) req += `${k}: ${headers[k]}\r\n`;
  return `${req}connection: close\r\n\r\n`;
}

/** What the body read kept: a capped prefix, its hash, and how much more went by. */
class BodyKeeper {
  private readonly hash = createHash('sha256');
  private readonly kept: Buffer[] = [];
  keptBytes = 0;
  total = 0;
  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.keptBytes >= this.cap) return;
    const part = this.keptBytes + chunk.length > this.cap ? chunk.subarray(0, this.cap - this.keptBytes) : chunk;
    // A view into the socket's chunk would keep the whole chunk alive: copy what is kept.
    this.kept.push(Buffer.from(part));
    this.hash.update(part);
    this.keptBytes += part.length;
  }

  fill(response: HttpResponse): void {
    const body = Buffer.concat(this.kept, this.keptBytes);
    response.body_length = this.keptBytes;
    response.body_is_truncated = this.total > this.keptBytes;
    response.body_sha256 = this.hash.digest('hex');
    response.body_sample = body.subarray(0, BODY_SAMPLE_BYTES).toString('utf8');
    const m = TITLE.exec(body.length > BODY_SAMPLE_BYTES * 4 ? body.subarray(0, BODY_SAMPLE_BYTES * 4).toString('utf8') : body.toString('utf8'));
    response.title = m ? m[1].trim() : null;
  }
}

function blankResponse(h: ParsedHead): HttpResponse {
  return { code: h.code, headers: h.headers, body_length: 0, body_is_truncated: false, body_sha256: '', title: null, body_sample: '' };
}

/**
 * Sends GET `url` over `socket` and reads the response. The socket is destroyed afterwards.
 *
 * Stall: once the response has begun (a byte came back on the wire after the request), no byte
 * for `stallMs` ends the read as stalled: no decrypted byte, and no byte on the wire either. The wire, not the decrypted stream, is what
 * counts: a server's TLS record of 16 KB that a censor cuts part-way never decrypts, yet the
 * bytes of it that crossed are what a freeze leaves. Before the head, a stall is recorded but the
 * probe's deadline still ends the wait (a slow origin may think before it answers).
 */
export function httpStep(
  socket: Socket,
  url: URL,
  ctx: Pick<ProbeContext, 'signal'>,
  origin: number,
  opts: HttpStepOptions,
): Promise<HttpStepResult> {
  const headers = { 'user-agent': USER_AGENT, accept: '*/*' };
  const record: HttpRequest = { request: { url: url.href, method: 'GET', headers }, response: null, failure: null, t0: since(origin), t: 0 };
  const result: HttpStepResult = { record, operation: null };
  const wire = opts.wire ?? socket;
  const cap = opts.bodyBytes;
  const want = opts.transferBytes ?? 0;
  const body = new BodyKeeper(cap);
  let sent = 0;
  let headersAt = 0;
  let wireAtRequest = 0;
  let wireSeen = 0;
  let quiet = false;
  let stalled = false;

  return new Promise<HttpStepResult>((resolve) => {
    let settled = false;
    const settle = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(stallTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.destroy();
      const doneAt = now();
      const res = record.response;
      if (res) {
        if (stalled) res.stalled = true;
        if (opts.wire) res.wire_bytes = opts.wire.bytesRead;
        body.fill(res);
        if (want > 0) {
          const secs = seconds(headersAt, doneAt);
          const bytes = Math.min(body.total, want);
          result.transfer = { bytes, seconds: secs, bitsPerSecond: secs > 0 ? Math.round((bytes * 8) / secs) : 0, complete: body.total >= want };
          if (stalled) result.transfer.stalled = true;
        }
      } else if (opts.wire) {
        // No head came: what crossed the wire, and whether it had stopped, is the evidence left.
        record.wire_bytes = opts.wire.bytesRead;
        if (quiet && wireSeen > wireAtRequest) record.stalled = true;
      }
      if (err) {
        const f = toFailure(err, res ? 'read' : 'http_round_trip');
        record.failure = f.failure;
        result.operation = f.operation;
      }
      record.t = since(origin);
      resolve(result);
    };
    const parser = new ResponseParser({
      head: (h) => {
        headersAt = now();
        result.ttfb = seconds(sent, headersAt);
        record.response = blankResponse(h);
      },
      body: (chunk) => {
        body.add(chunk);
        // Stop once past the cap (and past the transfer size, when measuring throughput).
        if (body.total > cap && body.total >= want) settle(null);
      },
      end: () => settle(null),
    });
    const onData = (chunk: Buffer): void => {
      if (settled) return;
      // Bytes that came through count as movement at once; the timer checks only the wire between them.
      stallTimer.refresh();
      wireSeen = wire.bytesRead;
      quiet = false;
      try {
        parser.push(chunk);
      } catch (err) {
        settle(err);
      }
    };
    const onEnd = (): void => {
      if (settled) return;
      try {
        parser.close();
      } catch (err) {
        settle(err);
      }
    };
    const onError = (err: Error): void => settle(err);
    const onAbort = (): void => settle(abortReason(ctx.signal));
    // One timer for the exchange, re-armed in place; each firing compares the wire's byte count.
    const onStallCheck = (): void => {
      const n = wire.bytesRead;
      const moved = n !== wireSeen;
      wireSeen = n;
      quiet = !moved;
      if (moved || n === wireAtRequest || !parser.headDone) {
        stallTimer.refresh();
        return;
      }
      stalled = true;
      settle(new NetError('generic_timeout_error', `no byte for ${opts.stallMs} ms`, 'BW_STALL'));
    };
    const stallTimer = setTimeout(onStallCheck, opts.stallMs);
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    // A connector may hand the socket over paused (it read a proxy's reply off it first).
    socket.resume();
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    // Errors after the settle (a reset while tearing down) are expected and dropped.
    socket.on('error', onError);
    wireAtRequest = wireSeen = wire.bytesRead;
    sent = now();
    socket.write(requestText(url, headers), 'latin1');
  });
}
