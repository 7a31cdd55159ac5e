/** Deadlines: tie an operation to a probe's AbortSignal so no read outlives it. */
import { abortReason } from './errors.js';

/** Runs `onAbort` when the signal aborts (at once if it already has); returns the detach function. */
export function whenAborted(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    onAbort(abortReason(signal));
    return () => {};
  }
  const listener = (): void => onAbort(abortReason(signal));
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Settles with the promise, or rejects with the signal's reason when it aborts first. */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onLateValue?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const detach = whenAborted(signal, (reason) => {
      if (done) return;
      done = true;
      reject(reason);
    });
    p.then(
      (v) => {
        detach();
        if (done) onLateValue?.(v);
        else {
          done = true;
          resolve(v);
        }
      },
      (err) => {
        detach();
        if (!done) {
          done = true;
          reject(err);
        }
      },
    );
  });
}
