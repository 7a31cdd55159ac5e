/**
 * Starting and stopping the bench's processes: the HTTPS target, blockwatch's prober, blackbox_exporter.
 * Each runs in a process group of its own and dies with the bench (test/support/children.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { endChild, startChild } from '../test/support/children.js';
import { freePort } from '../test/support/local-process.js';
import type { RunRequest, RunResult } from './protocol.js';

export { freePort };

const HERE = dirname(fileURLToPath(import.meta.url));
export const BLACKBOX_BIN = process.env.BLACKBOX_EXPORTER ?? 'prometheus-blackbox-exporter';
const READY_MS = 15_000;

export interface Child {
  proc: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** Stops a child: SIGTERM to its group, SIGKILL after 3 s (or `graceMs`). */
export const stopper = (proc: ChildProcess, graceMs?: number) => (): Promise<void> => endChild(proc, graceMs === undefined ? {} : { graceMs });

export interface TargetProcess extends Child {
  port: number;
  controlPort: number;
}

/** The HTTPS target in its own process; resolves once it printed its ports. */
export function startTarget(cert: string, key: string, delayMs = 0): Promise<TargetProcess> {
  const proc = startChild(process.execPath, [join(HERE, 'target.js'), '--cert', cert, '--key', key, '--delay-ms', String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('target did not start')), READY_MS);
    proc.once('exit', (code) => rej(new Error(`target exited with ${code}`)));
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const { port, controlPort } = JSON.parse(line) as { port: number; controlPort: number };
      res({ proc, pid: proc.pid!, port, controlPort, stop: stopper(proc) });
    });
  });
}

export interface ProberProcess extends Child {
  run(req: RunRequest): Promise<RunResult>;
}

/** blockwatch's engine in its own process, driven over IPC. */
export function startProber(execArgv: string[] = []): Promise<ProberProcess> {
  const proc = startChild(process.execPath, [...execArgv, join(HERE, 'prober.js')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const run = (req: RunRequest): Promise<RunResult> =>
    new Promise((res, rej) => {
      proc.once('message', (m: RunResult | { error: string }) => ('error' in m ? rej(new Error(m.error)) : res(m)));
      proc.send(req);
    });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('prober did not start')), READY_MS);
    proc.once('message', () => {
      clearTimeout(timer);
      res({ proc, pid: proc.pid!, run, stop: stopper(proc) });
    });
    proc.once('exit', (code) => rej(new Error(`prober exited with ${code}`)));
  });
}

/** GET on loopback, the body as text. */
export function httpGet(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = get(url, { timeout: timeoutMs }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      r.on('error', rej);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', rej);
  });
}

export async function waitHttp(url: string, ms = READY_MS): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if ((await httpGet(url, 1000)).status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface BlackboxProcess extends Child {
  port: number;
  module: string;
}

/**
 * blackbox_exporter with an http module equivalent to blockwatch's https probe: GET, the
 * test CA as ca_file, IPv4 only, and (its default) a fresh transport, so a fresh
 * connection, per probe.
 */
export async function startBlackbox(dir: string, caFile: string, timeoutS = 10): Promise<BlackboxProcess> {
  const module = 'bench_https';
  const configFile = join(dir, 'blackbox.yml');
  writeFileSync(
    configFile,
    [
      'modules:',
      `  ${module}:`,
      '    prober: http',
      `    timeout: ${timeoutS}s`,
      '    http:',
      '      method: GET',
      '      valid_status_codes: [200]',
      '      preferred_ip_protocol: ip4',
      '      ip_protocol_fallback: false',
      '      follow_redirects: true',
      '      tls_config:',
      `        ca_file: ${caFile}`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const proc = startChild(BLACKBOX_BIN, [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, rej) => proc.once('exit', (code) => rej(new Error(`blackbox_exporter exited with ${code}`))));
  exited.catch(() => {});
  await Promise.race([waitHttp(`http://127.0.0.1:${port}/-/healthy`), exited]);
  return { proc, pid: proc.pid!, port, module, stop: stopper(proc) };
}
