/** Helpers for tests and benchmarks that start local servers: a free loopback port, and waiting until one is ready. */
import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

/** A free loopback port (bound and released; good enough on a machine the tests alone drive). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

/** Polls `url` until it answers 2xx; fails early when `child` exits, with what it logged. */
export async function waitReady(url: string, child: ChildProcess, log: () => string, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}): ${log()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready: ${log()}`);
}
