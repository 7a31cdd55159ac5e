/** A concurrency limit: at most N tasks run at once, the rest wait in order. */

export type Limiter = (<T>(task: () => Promise<T>) => Promise<T>) & {
  /** The most tasks that ran at once so far. */
  readonly peak: number;
};

export function limiter(max: number): Limiter {
  let active = 0;
  let peak = 0;
  const waiting: Array<() => void> = [];
  const next = () => {
    active--;
    waiting.shift()?.();
  };
  const run = async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((r) => waiting.push(r));
    active++;
    if (active > peak) peak = active;
    try {
      return await task();
    } finally {
      next();
    }
  };
  return Object.defineProperty(run, 'peak', { get: () => peak }) as Limiter;
}
