/**
 * A per-receiver delivery queue: enqueue returns at once; one send at a time,
 * in order, retried with exponential back-off and jitter. A receiver that is
 * down (no connection, a timeout, 5xx, 408, 429) is retried for as long as it
 * takes: nothing is lost while the queue has room. Only two things drop a
 * payload, each counted: a full queue (the oldest goes) and a receiver that
 * rejects the payload itself (another 4xx) `maxAttempts` times. A dead
 * receiver delays only its own queue.
 */
import type { Logger } from 'pino';
import type { DeliveryCounter, DropReason } from './types.js';

export interface DeliveryOptions {
  /** Attempts at a payload the receiver rejects (4xx but 408 and 429), first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Payloads waiting at most; the oldest goes when a new one arrives. */
  capacity: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000, capacity: 1000 };

export type Send = (body: string, signal: AbortSignal) => Promise<void>;

/**
 * Whether a failed send says the receiver refused this payload (so retrying it is pointless),
 * rather than that the receiver is unreachable or overloaded (so it will take it later).
 * RFC 9110 §15.5: 4xx is the client's fault, except 408 (timeout) and 429 (RFC 6585 §4).
 */
export function rejectedPayload(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export class DeliveryQueue {
  private readonly items: string[] = [];
  private running = false;
  private draining = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private wake: (() => void) | null = null;
  private idle: (() => void)[] = [];
  /** Payloads given up: dropped from a full queue, or rejected by the receiver maxAttempts times. */
  dropped = 0;
  delivered = 0;

  constructor(
    readonly name: string,
    private readonly send: Send,
    private readonly counter: DeliveryCounter,
    private readonly logger: Logger,
    private readonly opts: DeliveryOptions = DEFAULT_DELIVERY,
  ) {}

  get pending(): number {
    return this.items.length;
  }

  enqueue(body: string): void {
    if (this.stopped) return;
    if (this.items.length >= this.opts.capacity) {
      this.items.shift();
      this.drop('queue_full');
      this.logger.warn({ receiver: this.name, dropped: this.dropped, capacity: this.opts.capacity }, 'alert queue full: dropped the oldest payload');
    }
    this.items.push(body);
    if (!this.running) void this.run();
  }

  private drop(reason: DropReason): void {
    this.dropped++;
    this.counter.alertDropped(this.name, reason);
  }

  private async run(): Promise<void> {
    this.running = true;
    let attempts = 0;
    while (this.items.length > 0 && !this.stopped) {
      const body = this.items[0];
      try {
        await this.send(body, this.abort.signal);
        this.counter.alertSent(this.name, 'success');
        this.delivered++;
        attempts = 0;
        if (this.items[0] === body) this.items.shift();
        continue;
      } catch (err) {
        if (this.stopped) break;
        this.counter.alertSent(this.name, 'failure');
        attempts++;
        const e = err as Error & { code?: string; status?: number };
        if (rejectedPayload(err) && attempts >= this.opts.maxAttempts) {
          this.logger.warn({ receiver: this.name, attempts, code: e.code, status: e.status }, 'alert payload rejected by the receiver: giving up on it');
          if (this.items[0] === body) this.items.shift();
          this.drop('rejected');
          attempts = 0;
          continue;
        }
        // Said once when a receiver starts failing, then at debug: an hour down must not flood the log.
        const level = attempts === 1 ? 'warn' : 'debug';
        this.logger[level]({ receiver: this.name, attempts, pending: this.items.length, code: e.code, status: e.status, reason: e.message }, 'alert delivery failed: will retry');
      }
      if (!this.draining) await this.sleep(backoff(attempts, this.opts));
    }
    this.running = false;
    for (const f of this.idle.splice(0)) f();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      // A queue waiting to retry never keeps the process alive.
      t.unref();
      this.wake = done;
      const self = this;
      function done() {
        clearTimeout(t);
        self.wake = null;
        resolve();
      }
    });
  }

  /**
   * For shutdown: retries without back-off until the queue is empty or
   * `timeoutMs` passes, then stops. Resolves to the payloads left undelivered.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    this.wake?.();
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => this.idle.push(r)),
        new Promise<void>((r) => {
          timer = setTimeout(r, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const left = this.items.length;
    this.stop();
    return left;
  }

  /** Stops at once: the send in flight is aborted, waiting payloads are discarded. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    this.items.length = 0;
  }
}

/** Exponential back-off with equal jitter: half the step fixed, half random, so retries of many probes spread. */
export function backoff(attempt: number, o: Pick<DeliveryOptions, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const step = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}
