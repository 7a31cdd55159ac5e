/**
 * A per-receiver delivery queue: enqueue returns at once; one send at a time,
 * in order, retried with exponential back-off and jitter; bounded attempts and
 * a bounded queue (the oldest is dropped, and counted, when full). A dead
 * receiver delays only its own queue.
 */
import type { Logger } from 'pino';
import type { DeliveryCounter } from './types.js';

export interface DeliveryOptions {
  /** Attempts per payload, first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Payloads waiting at most; the oldest goes when a new one arrives. */
  capacity: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 60_000, capacity: 1000 };

export type Send = (body: string, signal: AbortSignal) => Promise<void>;

export class DeliveryQueue {
  private readonly items: string[] = [];
  private running = false;
  private draining = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private wake: (() => void) | null = null;
  private idle: (() => void)[] = [];
  /** Payloads given up: dropped from a full queue or out of attempts. */
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
      this.dropped++;
      this.logger.warn({ receiver: this.name, dropped: this.dropped }, 'alert queue full: dropped the oldest payload');
    }
    this.items.push(body);
    if (!this.running) void this.run();
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
        if (attempts >= this.opts.maxAttempts) {
          this.logger.warn({ receiver: this.name, attempts, code: e.code, status: e.status }, 'alert delivery failed: giving up on this payload');
          if (this.items[0] === body) this.items.shift();
          this.dropped++;
          attempts = 0;
          continue;
        }
        this.logger.debug({ receiver: this.name, attempts, code: e.code, status: e.status, reason: e.message }, 'alert delivery failed: will retry');
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
