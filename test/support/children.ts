/**
 * Every process a test or benchmark starts: in a process group of its own, so that one kill
 * ends it and all it started; registered, so that the test's end (pass, fail or timeout), the
 * file's end and this process's exit end whatever is left; and, where the system has it
 * (util-linux setpriv), killed by the kernel when the process that started it dies.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { noteGroup } from './test-run.js';

/** What is still running, with the scope it was started in ('file' outside a test). */
const live = new Map<ChildProcess, string>();
let scope = 'file';

/** util-linux's setpriv: sets the parent-death signal (prctl PR_SET_PDEATHSIG) and execs the command, so the pid stays the same. */
const SETPRIV = spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0 ? 'setpriv' : null;

/** `cmd args` prefixed so that the kernel kills it with SIGKILL when this process dies, however it dies. */
export function diesWithParent(cmd: string, args: string[]): [string, string[]] {
  return SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', cmd, ...args]] : [cmd, args];
}

function gone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals the child's whole process group; the child alone if it has none of its own. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Registers a child started elsewhere (it should have been spawned `detached`, to lead its own group). */
export function adopt<C extends ChildProcess>(child: C): C {
  if (gone(child)) return child;
  live.set(child, scope);
  // A group outlives its leader only as orphans: they go with it, at once (while the group's
  // id cannot yet belong to anybody else).
  child.once('exit', () => {
    signalGroup(child, 'SIGKILL');
    live.delete(child);
  });
  child.once('error', () => live.delete(child));
  return child;
}

/** spawn(), in a process group of its own (detached), registered, and dying with this process; stdio ignored unless given. */
export function startChild(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const [c, a] = diesWithParent(cmd, args);
  const child = spawn(c, a, { stdio: 'ignore', ...opts, detached: true });
  if (child.pid !== undefined) noteGroup(child.pid);
  return adopt(child);
}

/**
 * Ends the child and everything in its process group: SIGTERM (or `signal`) to the group, then
 * SIGKILL once `graceMs` has passed. Resolves once the child has exited; the group's other
 * members get the SIGKILL then, whether or not the child waited for them.
 */
export function endChild(child: ChildProcess, { signal = 'SIGTERM', graceMs = 3000 }: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  // Gone already: its group went with it (adopt).
  if (gone(child) || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      // Whatever it started and left behind in its group (adopted children get this already).
      signalGroup(child, 'SIGKILL');
      resolve();
    });
    signalGroup(child, signal);
  });
}

export interface Finished {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end (startChild: own group, registered) and collects its output; never
 * rejects on a non-zero exit. When `signal` aborts (the test's own, on timeout), the command and
 * its group are ended and the promise rejects with the abort's reason.
 */
export function runChild(cmd: string, args: string[], opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Finished> {
  const child = startChild(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      void endChild(child, { graceMs: 1000 });
      reject(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error(`${cmd} ended: ${String(opts.signal!.reason)}`));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.once('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal: sig, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Ends every registered child started in `which` scope (all of them when omitted), at once with SIGKILL. */
export async function endChildren(which?: string): Promise<void> {
  const mine = [...live].filter(([, s]) => which === undefined || s === which).map(([c]) => c);
  await Promise.all(mine.map((c) => endChild(c, { signal: 'SIGKILL', graceMs: 0 })));
}

/** The children still running (a test can assert that it left none). */
export function runningChildren(): ChildProcess[] {
  return [...live.keys()].filter((c) => !gone(c));
}

/** Children started from now on belong to `name` (a test) until `leaveScope`; the test-runner setup calls these. */
export function enterScope(name: string): void {
  scope = name;
}

export function leaveScope(): string {
  const was = scope;
  scope = 'file';
  return was;
}

function killAllNow(): void {
  for (const c of live.keys()) signalGroup(c, 'SIGKILL');
  live.clear();
}

// The last line of defence: a normal exit, or a signal that would end this process.
process.on('exit', killAllNow);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  const onSignal = (): void => {
    killAllNow();
    process.off(sig, onSignal);
    // Nobody else handles it: die of it, as without this handler.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  process.on(sig, onSignal);
}
