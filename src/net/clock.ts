/** Measurement time: seconds since a probe's origin (performance.now() ms), rounded to microseconds. */
import { performance } from 'node:perf_hooks';

export function now(): number {
  return performance.now();
}

/** Seconds from the origin to now, as measurements record t0 and t. */
export function since(origin: number): number {
  return Math.round((performance.now() - origin) * 1000) / 1e6;
}

/** Seconds between two performance.now() readings. */
export function seconds(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) * 1000) / 1e6;
}
