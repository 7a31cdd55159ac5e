/** Memory as tests measure it: after a full garbage collection, and the peak while some work runs. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A forked vitest worker has no --expose-gc; the flag set now gives a fresh context a gc().
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** JS heap plus Buffer memory: where a body kept by mistake would show. */
function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Memory in use after collecting garbage. */
export function settled(): number {
  gc();
  gc();
  return used();
}

/** Runs `work`, sampling memory every few ms: the growth at its peak and what stays after it, over a settled baseline. */
export async function growthDuring<T>(work: () => Promise<T>, everyMs = 5): Promise<{ result: T; peak: number; retained: number }> {
  const base = settled();
  let peak = base;
  const t = setInterval(() => {
    peak = Math.max(peak, used());
  }, everyMs);
  try {
    const result = await work();
    peak = Math.max(peak, used());
    return { result, peak: peak - base, retained: settled() - base };
  } finally {
    clearInterval(t);
  }
}
