/**
 * Runs a real server program (coturn, caddy) inside the lab: its output goes to a log file
 * in the lab folder, it counts as started once a readiness probe answers, and it is stopped
 * with SIGTERM (SIGKILL if it lingers), and by the kernel if the services process dies first.
 * No system service and no fixed global path is used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { diesWithParent } from '../../support/children.js';

export interface ProgramSpec {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** The program's stdout and stderr go here. */
  log: string;
  /** Resolves true once the program answers like a server; polled until it does. */
  ready: () => Promise<boolean>;
  readyMs?: number;
}

export interface Program {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const POLL_MS = 150;
const STOP_MS = 3000;

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

export async function startProgram(spec: ProgramSpec): Promise<Program> {
  const fd = openSync(spec.log, 'a');
  // In the services process's group (ended with it) and dying with it.
  const [cmd, args] = diesWithParent(spec.cmd, spec.args);
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...spec.env } });
  closeSync(fd);
  let exited: string | null = null;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      // 127: setpriv could not exec the program.
      exited = code === 127 && cmd !== spec.cmd ? `could not start: ${spec.cmd} (apt-get install coturn caddy)` : `exited ${code ?? signal}`;
      resolve();
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      exited = e.code === 'ENOENT' ? `could not start: ${spec.cmd} is not installed (apt-get install coturn caddy)` : `could not start: ${e.message}`;
      resolve();
    });
  });

  const deadline = Date.now() + (spec.readyMs ?? 15_000);
  for (;;) {
    if (exited) throw new Error(`${spec.name} ${exited}; log ${spec.log}: ${tail(spec.log)}`);
    if (await spec.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${spec.name} not answering after ${spec.readyMs ?? 15_000} ms; log ${spec.log}: ${tail(spec.log)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  return {
    child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
      await gone;
      clearTimeout(timer);
    },
  };
}
