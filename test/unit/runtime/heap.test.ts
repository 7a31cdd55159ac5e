// The daemon's heap growing factor: set at start-up unless node's command line already gives one.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The built module (npm test builds first): a fresh node runs it as the daemon does.
const HEAP = join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'runtime', 'heap.js');

/** Runs leanHeap in a fresh node with `flags`; what it returned. */
function leanHeapIn(flags: string[]): string {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', `import { leanHeap } from ${JSON.stringify(HEAP)}; process.stdout.write(String(leanHeap()));`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('leanHeap', () => {
  it('sets the growing factor when node was started without one', () => {
    expect(leanHeapIn([])).toBe('true');
  });

  it('leaves a growing factor given on the command line as it is', () => {
    expect(leanHeapIn(['--heap-growing-percent=50'])).toBe('false');
  });
});
