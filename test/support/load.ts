/** Loads the machine the way a busy CI runner or a shared host does, and runs a command under that load. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Usage: node dist/test/support/load.js [--busy N] [--duty F] [--tsc] [-- command args…]
 *   --busy N   N threads that spin for F of every 100 ms (default: 2 threads, F = 1)
 *   --tsc      also type-check the project over and over (memory, disk and CPU, like a build)
 * With a command, runs it under the load and exits with its code; without, loads until killed.
 */
interface LoadOptions {
  busy: number;
  duty: number;
  tsc: boolean;
  command: string[];
}

export function parseLoadArgs(argv: string[]): LoadOptions {
  const o: LoadOptions = { busy: 2, duty: 1, tsc: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      o.command = argv.slice(i + 1);
      break;
    }
    if (a === '--busy') o.busy = Number(argv[++i]);
    else if (a === '--duty') o.duty = Number(argv[++i]);
    else if (a === '--tsc') o.tsc = true;
    else throw new Error(`load: unknown argument ${a} (expected --busy N, --duty F, --tsc, -- command…)`);
  }
  if (!Number.isInteger(o.busy) || o.busy < 0) throw new Error(`load: --busy must be a whole number ≥ 0, got ${o.busy}`);
  if (!(o.duty > 0 && o.duty <= 1)) throw new Error(`load: --duty must be in (0, 1], got ${o.duty}`);
  return o;
}

/** A thread that spins `duty` of every 100 ms and sleeps the rest (Atomics.wait: no timer needed). */
const SPINNER = `
const { workerData } = require('node:worker_threads');
const nap = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  const until = Date.now() + 100 * workerData.duty;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  if (workerData.duty < 1) Atomics.wait(nap, 0, 0, 100 * (1 - workerData.duty));
}
`;

export interface Load {
  stop(): Promise<void>;
}

/** Starts the load; `stop` ends every thread and child it started. */
export function startLoad(o: Pick<LoadOptions, 'busy' | 'duty' | 'tsc'>): Load {
  const workers = Array.from({ length: o.busy }, () => new Worker(SPINNER, { eval: true, workerData: { duty: o.duty } }));
  let tsc: ChildProcess | undefined;
  let stopped = false;
  const TSC = resolve(import.meta.dirname, '../../../node_modules/typescript/bin/tsc');
  const ROOT = resolve(import.meta.dirname, '../../..');
  const again = (): void => {
    if (stopped) return;
    tsc = spawn(process.execPath, [TSC, '-p', 'tsconfig.json', '--noEmit'], { cwd: ROOT, stdio: 'ignore' });
    tsc.once('exit', again);
  };
  if (o.tsc) again();
  return {
    async stop() {
      stopped = true;
      tsc?.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

async function main(): Promise<void> {
  const o = parseLoadArgs(process.argv.slice(2));
  const load = startLoad(o);
  process.stderr.write(`load: ${o.busy} spinning thread(s) at ${o.duty * 100}%${o.tsc ? ', tsc in a loop' : ''}\n`);
  const end = (code: number): void => void load.stop().then(() => process.exit(code));
  if (o.command.length === 0) {
    process.on('SIGINT', () => end(130)).on('SIGTERM', () => end(143));
    return;
  }
  const child = spawn(o.command[0], o.command.slice(1), { stdio: 'inherit' });
  // Signals reach the command (it shares our process group); we wait for it and then stop.
  process.on('SIGINT', () => {}).on('SIGTERM', () => child.kill('SIGTERM'));
  child.once('exit', (code, signal) => end(code ?? (signal ? 128 : 1)));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) void main();
