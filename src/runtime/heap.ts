/**
 * How V8 grows the daemon's heap. By default V8 lets the old generation grow by a factor of up
 * to 4 between full collections when the heap limit is large (on a host with gigabytes of
 * memory it is), so a daemon whose live heap is tens of megabytes keeps hundreds of megabytes
 * of promoted probe garbage between collections. A growing factor of 1.2 collects it sooner,
 * without a hard limit that a large catalogue could run into (`npm run bench -- --only scale`
 * measures peak RSS with it; BENCH_DAEMON_NODE_FLAGS measures others). V8 reads the factor each
 * time it sets the next limit, so setting it at start-up works without a command-line flag.
 * A `--heap-growing-percent` on node's command line is left as given.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 20;

export function leanHeap(execArgv: readonly string[] = process.execArgv): boolean {
  const given = execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  if (given) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
