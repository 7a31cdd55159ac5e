/** POSTs a JSON body to a receiver with a deadline and a cap on the reply it reads. */
import { withDeadline } from '../../net/deadline.js';
import type { Dispatcher } from 'undici';

let loaded: Promise<typeof import('undici')> | undefined;
/** undici, loaded on the first delivery: a daemon that has no receiver, or never alerts, does not load it. */
export const undici = (): Promise<typeof import('undici')> => (loaded ??= import('undici'));

/** A reply body is only read to free the connection; more than this is not worth reading. */
const MAX_REPLY_BYTES = 64 * 1024;

export class DeliveryError extends Error {
  readonly code: 'BW_DELIVERY_STATUS' | 'BW_DELIVERY_NETWORK';
  readonly status?: number;
  constructor(code: DeliveryError['code'], message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'DeliveryError';
    this.code = code;
    this.status = opts.status;
  }
}

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborted on shutdown. */
  signal: AbortSignal;
  /** The receivers' shared connection pool, made on first use. */
  dispatcher?: () => Promise<Dispatcher>;
}

/** Resolves on a 2xx reply; throws DeliveryError otherwise. The message never carries header values. */
export function postJson(o: PostOptions): Promise<void> {
  return withDeadline(o.timeoutMs, o.signal, (signal) => post(o, signal));
}

async function post(o: PostOptions, signal: AbortSignal): Promise<void> {
  let status: number;
  try {
    const { request } = await undici();
    const res = await request(o.url, {
      method: 'POST',
      headers: { ...o.headers, 'content-type': 'application/json', 'user-agent': 'blockwatch' },
      body: o.body,
      signal,
      dispatcher: await o.dispatcher?.(),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    status = res.statusCode;
    await res.body.dump({ limit: MAX_REPLY_BYTES }).catch(() => undefined);
  } catch (err) {
    throw new DeliveryError('BW_DELIVERY_NETWORK', `POST ${redact(o.url)} failed: ${(err as Error).name}`, { cause: err });
  }
  if (status < 200 || status > 299) {
    throw new DeliveryError('BW_DELIVERY_STATUS', `POST ${redact(o.url)} answered ${status}`, { status });
  }
}

/** A receiver URL may carry credentials or a token in its query; logs get neither. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
