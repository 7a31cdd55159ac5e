/** Runs the lab's commands (ip, iptables, tc) on the host or inside one of its network namespaces. */
import { execFile, type ChildProcess } from 'node:child_process';
import { startChild } from '../support/children.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}`));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command and rejects when it fails, with its stderr in the message. */
export async function must(cmd: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a command inside a network namespace and rejects when it fails. */
export function nsMust(ns: string, cmd: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<string> {
  return must('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function nsRun(ns: string, cmd: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Starts a long-running process in a namespace, in its own process group, ended with the test that started it (children.ts). */
export function nsSpawn(ns: string, cmd: string, args: string[]): ChildProcess {
  return startChild('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** True when the process runs as root (the lab needs CAP_NET_ADMIN). */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
