/** A sleep that ends early, without throwing, when its signal aborts. */
import { clockFor } from '../net/deadline.js';

/**
 * Waits on the signal's clock (net/deadline.ts): a round's many waits share one timer and one
 * listener on the signal, rather than one of each per wait (which set off Node's
 * MaxListenersExceededWarning when a round spread its targets).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  return clockFor(signal).sleep(ms);
}
