/** Runs the real `blockwatch run` as a child process and talks to it over HTTP. */
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { endChild, runChild, startChild } from './children.js';

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');

export interface Daemon {
  proc: ChildProcess;
  /** Base URL of its HTTP server, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  get(path: string): Promise<{ status: number; text: string }>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the daemon on `config` (whose server.listen should use port 0) and
 * waits until it logs its listening address. `prefix` runs it through another
 * command, e.g. `ip netns exec NS`. It runs in a process group of its own, ended with the
 * test or file that started it (children.ts).
 */
export async function startDaemon(config: string, prefix: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const argv = [...prefix, process.execPath, CLI, 'run', '--config', config];
  const proc = startChild(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  const url = await new Promise<string>((res, rej) => {
    let buf = '';
    // How long a start takes is not under test here: a loaded machine may take its time. One that never comes is ended.
    const timer = setTimeout(() => {
      void endChild(proc);
      rej(new Error(`daemon did not start within 60 s: ${buf.slice(-2000)}`));
    }, 60_000);
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          logs.push(rec);
          if (rec.msg === 'blockwatch running') {
            clearTimeout(timer);
            res(`http://${String(rec.address)}`);
          }
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    void exited.then((code) => rej(new Error(`daemon exited with ${code}: ${buf.slice(-2000)}`)));
  });
  return {
    proc,
    url,
    logs,
    exited,
    async get(path) {
      if (prefix.length === 0) {
        const r = await fetch(url + path, { signal: AbortSignal.timeout(10_000) });
        return { status: r.status, text: await r.text() };
      }
      // The daemon listens inside another network namespace: ask from there.
      const script = 'fetch(process.argv[1],{signal:AbortSignal.timeout(10000)}).then(async r=>process.stdout.write(JSON.stringify({status:r.status,text:await r.text()})),e=>{console.error(String(e));process.exit(1)})';
      const r = await runChild(prefix[0], [...prefix.slice(1), process.execPath, '-e', script, url + path], { signal: AbortSignal.timeout(15_000) });
      if (r.code !== 0) throw new Error(`GET ${path} in the namespace: ${r.stderr || `exited ${r.code ?? r.signal}`}`);
      return JSON.parse(r.stdout) as { status: number; text: string };
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Polls `check` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
