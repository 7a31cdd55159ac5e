/**
 * A probe's deadline joined with a parent signal (shutdown). Node's
 * AbortSignal.any holds its sources weakly and AbortSignal.timeout's timer does
 * not keep its signal alive, so after a garbage collection such a composite
 * may never fire; here the timer and the parent's listener hold the controller
 * strongly until `dispose()`.
 */
import { setMaxListeners } from 'node:events';

export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer and detaches from the parent; call when the work is done. */
  dispose(): void;
}

/**
 * What a probe reads when its parent aborted: the parent's own deadline passing stays a
 * timeout; anything else (a shutdown, whatever its reason says) interrupted the probe.
 */
function fromParent(reason: unknown): unknown {
  if (reason instanceof DOMException && reason.name === 'TimeoutError') return reason;
  return new DOMException('The probe was interrupted', 'AbortError');
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const ac = new AbortController();
  // A round's (or the daemon's) signal is the parent of every probe in flight: hundreds of
  // listeners is its normal state, not a leak, so Node's warning at 11 is switched off for it.
  if (parent) setMaxListeners(0, parent);
  // A TimeoutError reason, as AbortSignal.timeout gives: the error mapper reads it as a deadline.
  const timer = setTimeout(() => ac.abort(new DOMException('The probe deadline passed', 'TimeoutError')), ms);
  const onParent = () => ac.abort(fromParent(parent!.reason));
  if (parent?.aborted) ac.abort(fromParent(parent.reason));
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: ac.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
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
