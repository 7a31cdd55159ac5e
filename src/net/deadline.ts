/**
 * Deadlines for probes and the round's waits: one clock per parent signal (a round's, the
 * daemon's shutdown), with one timer for its earliest deadline and one listener on the parent,
 * however many probes are in flight. A probe still gets an AbortSignal of its own, which the
 * clock holds strongly until it fires or is disposed of: Node's AbortSignal.any holds its
 * sources weakly and AbortSignal.timeout's timer does not keep its signal alive, so after a
 * garbage collection such a composite may never fire.
 */

export interface Deadline {
  signal: AbortSignal;
  /** Stops the deadline and forgets it; call when the work is done. */
  dispose(): void;
  /** Ends the work now, as interrupted (a shutdown reaching this one job). */
  interrupt(): void;
}

/** One pending deadline or wait, in the clock's heap by `at` (performance.now() milliseconds). */
interface Entry {
  at: number;
  /** A probe's controller, or a wait's wake-up; null once disposed or fired. */
  ac: AbortController | null;
  wake: (() => void) | null;
}

/**
 * What a probe reads when its parent aborted: the parent's own deadline passing stays a
 * timeout; anything else (a shutdown, whatever its reason says) interrupted the probe.
 */
function fromParent(reason: unknown): unknown {
  if (reason instanceof DOMException && reason.name === 'TimeoutError') return reason;
  return new DOMException('The probe was interrupted', 'AbortError');
}

/** Node's timers run on the event loop's cached millisecond clock: a timer may fire up to a millisecond early. */
const EARLY_MS = 1;

export class DeadlineClock {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  /** Entries not yet fired or disposed, for the parent's abort. */
  private readonly live = new Set<Entry>();

  constructor(private readonly parent?: AbortSignal) {
    parent?.addEventListener('abort', () => this.abortAll(), { once: true });
  }

  /** A signal that aborts with a TimeoutError after `ms`, or as interrupted when the parent aborts. */
  deadline(ms: number): Deadline {
    const ac = new AbortController();
    if (this.parent?.aborted) {
      ac.abort(fromParent(this.parent.reason));
      return { signal: ac.signal, dispose() {}, interrupt() {} };
    }
    const e: Entry = { at: performance.now() + ms, ac, wake: null };
    this.add(e);
    return {
      signal: ac.signal,
      dispose: () => {
        e.ac = null;
        if (this.live.delete(e) && this.live.size === 0) this.idle();
      },
      interrupt: () => {
        if (!this.live.delete(e)) return;
        this.end(e, fromParent(undefined));
        if (this.live.size === 0) this.idle();
      },
    };
  }

  /** Resolves after `ms`, or at once when the parent aborts (it never rejects). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.parent?.aborted) return Promise.resolve();
    return new Promise((resolve) => this.add({ at: performance.now() + ms, ac: null, wake: resolve }));
  }

  private add(e: Entry): void {
    this.live.add(e);
    const h = this.heap;
    h.push(e);
    // Sift up: deadlines of one duration arrive in order, so this rarely moves.
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].at <= e.at) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
    if (e.at < this.armedAt) this.arm(e.at);
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && h[l + 1].at < h[l].at ? l + 1 : l;
        if (h[c].at >= last.at) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - performance.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = performance.now() + EARLY_MS;
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const e = this.pop();
      if (!this.live.delete(e)) continue;
      // A wait's wake-up needs no reason: a DOMException (and its stack) only for a deadline.
      this.end(e, e.ac ? new DOMException('The probe deadline passed', 'TimeoutError') : undefined);
    }
    // Entries disposed of wait in the heap until their time; skip the timer while only they are left.
    while (this.heap.length > 0 && !this.live.has(this.heap[0])) this.pop();
    if (this.heap.length > 0) this.arm(this.heap[0].at);
  }

  /** Nothing pending: no timer keeps the process alive, and disposed entries are dropped. */
  private idle(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    this.heap.length = 0;
  }

  private end(e: Entry, reason: unknown): void {
    const { ac, wake } = e;
    e.ac = null;
    e.wake = null;
    // A TimeoutError reason, as AbortSignal.timeout gives: the error mapper reads it as a deadline.
    ac?.abort(reason);
    wake?.();
  }

  private abortAll(): void {
    this.idle();
    const reason = fromParent(this.parent!.reason);
    const entries = [...this.live];
    this.live.clear();
    for (const e of entries) this.end(e, reason);
  }
}

const clocks = new WeakMap<AbortSignal, DeadlineClock>();
const orphanClock = new DeadlineClock();

/** The clock of a parent signal (made on first use, gone with the signal); one with no parent when none. */
export function clockFor(parent?: AbortSignal): DeadlineClock {
  if (!parent) return orphanClock;
  let c = clocks.get(parent);
  if (!c) {
    c = new DeadlineClock(parent);
    clocks.set(parent, c);
  }
  return c;
}

/** A probe's deadline joined with a parent signal (shutdown): the parent's clock keeps it. */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  return clockFor(parent).deadline(ms);
}

/** Runs `work` under a deadline, disposing of it afterwards. */
export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms, parent);
  try {
    return await work(d.signal);
  } finally {
    d.dispose();
  }
}
