/** One HTTP/1.1 GET on an already connected (TLS) socket with undici: status, headers, a capped body, timings. */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { Client } from 'undici';
import type { HttpRequest, HttpResponse, Operation, ThroughputSample } from '../model/index.js';
import { now, seconds, since } from '../net/clock.js';
import { NetError, toFailure } from '../net/errors.js';
import type { ProbeContext } from './types.js';

/** Bytes of the body kept as text for fingerprint matching. */
export const BODY_SAMPLE_BYTES = 2048;
const USER_AGENT = 'blockwatch/0.1 (+reachability monitor)';
const TITLE = /<title[^>]*>([^<]{0,512})</i;

/** Rejects nothing: by teardown the one request has settled. */
const DONE = Object.assign(new Error('probe done'), { code: 'BW_PROBE_DONE' });

export interface HttpStepOptions {
  /** Body bytes kept, hashed and sampled (limits.bodyBytes). */
  bodyBytes: number;
  /** A body read with no byte for this long ends as stalled (limits.stallMs). */
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

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Sends GET `url` over `socket` and reads the response. The client never reconnects, retries
 * or reuses the connection: one probe pays for one exchange. The socket is destroyed afterwards.
 */
export async function httpStep(
  socket: Socket,
  url: URL,
  ctx: Pick<ProbeContext, 'signal'>,
  origin: number,
  opts: HttpStepOptions,
): Promise<HttpStepResult> {
  const headers = { 'user-agent': USER_AGENT, accept: '*/*' };
  const record: HttpRequest = {
    request: { url: url.href, method: 'GET', headers },
    response: null,
    failure: null,
    t0: since(origin),
    t: 0,
  };
  let handedOver = false;
  const client = new Client(url.origin, {
    connect: (_o, cb) => {
      if (handedOver) return cb(new NetError('eof_error', 'connection closed', 'BW_EOF'), null);
      handedOver = true;
      // undici stalls when its connector answers synchronously; hand the socket over on the next tick.
      process.nextTick(cb, null, socket);
    },
    pipelining: 1,
    // The probe's signal is the only deadline.
    headersTimeout: 0,
    bodyTimeout: 0,
    allowH2: false,
  });
  const result: HttpStepResult = { record, operation: null };
  const sent = now();
  let operation: Operation = 'http_round_trip';
  try {
    const res = await client.request({
      path: url.pathname + url.search,
      method: 'GET',
      headers,
      signal: ctx.signal,
      reset: true,
    });
    const headersAt = now();
    result.ttfb = seconds(sent, headersAt);
    operation = 'read';
    const cap = opts.bodyBytes;
    const want = opts.transferBytes ?? 0;
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let total = 0;
    const response: HttpResponse = {
      code: res.statusCode,
      headers: flatHeaders(res.headers),
      body_length: 0,
      body_is_truncated: false,
      body_sha256: '',
      title: null,
      body_sample: '',
    };
    record.response = response;
    let readError: unknown = null;
    let stalled = false;
    // The stall timer restarts with every chunk: a slow transfer that keeps moving is not frozen.
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = (): void => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        res.body.destroy(new NetError('generic_timeout_error', `no body byte for ${opts.stallMs} ms`, 'BW_STALL'));
      }, opts.stallMs);
    };
    try {
      armStall();
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        armStall();
        total += chunk.length;
        if (keptBytes < cap) {
          const part = keptBytes + chunk.length > cap ? chunk.subarray(0, cap - keptBytes) : chunk;
          kept.push(part);
          hash.update(part);
          keptBytes += part.length;
        }
        // Stop once past the cap (and past the transfer size, when measuring throughput).
        if (total > cap && total >= want) break;
      }
    } catch (err) {
      readError = err;
    } finally {
      clearTimeout(stallTimer);
    }
    const doneAt = now();
    if (stalled) response.stalled = true;
    if (opts.wire) response.wire_bytes = opts.wire.bytesRead;
    const body = Buffer.concat(kept, keptBytes);
    response.body_length = keptBytes;
    response.body_is_truncated = total > keptBytes;
    response.body_sha256 = hash.digest('hex');
    const sample = body.subarray(0, BODY_SAMPLE_BYTES).toString('utf8');
    response.body_sample = sample;
    const m = TITLE.exec(body.length > BODY_SAMPLE_BYTES * 4 ? body.subarray(0, BODY_SAMPLE_BYTES * 4).toString('utf8') : body.toString('utf8'));
    response.title = m ? m[1].trim() : null;
    if (want > 0) {
      const secs = seconds(headersAt, doneAt);
      const bytes = Math.min(total, want);
      result.transfer = { bytes, seconds: secs, bitsPerSecond: secs > 0 ? Math.round((bytes * 8) / secs) : 0, complete: total >= want };
      if (stalled) result.transfer.stalled = true;
    }
    if (readError) throw readError;
  } catch (err) {
    const f = toFailure(err, operation);
    record.failure = f.failure;
    result.operation = f.operation;
  } finally {
    record.t = since(origin);
    // One error object for every probe's teardown: undici would build (and capture a stack for) a new one each time.
    void client.destroy(DONE).catch(() => {});
  }
  return result;
}
