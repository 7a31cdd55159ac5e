/**
 * Runs blockwatch's CLI and, when the process exits, writes what the whole process used —
 * every thread, probe workers included — to a file: CPU (user + system), peak RSS and wall
 * time. Usage: node dist/bench/usage.js OUT.json <cli arguments…>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/package-root.js';

export interface ProcessUsage {
  /** CPU seconds, user + system, of every thread. */
  cpuSeconds: number;
  /** Peak resident set in bytes. */
  peakRssBytes: number;
  /** Seconds from this wrapper's start (node already loaded) to exit. */
  wallSeconds: number;
  exitCode: number;
}

const [out, ...args] = process.argv.slice(2);
const t0 = performance.now();
process.on('exit', (code) => {
  const u = process.resourceUsage();
  const usage: ProcessUsage = { cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, peakRssBytes: u.maxRSS * 1024, wallSeconds: (performance.now() - t0) / 1000, exitCode: code };
  writeFileSync(out, JSON.stringify(usage));
});
const cli = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
process.argv = [process.argv[0], cli, ...args];
await import(cli);
