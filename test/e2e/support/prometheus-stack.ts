/**
 * Debian's Prometheus and Alertmanager for an end-to-end test: their configs written into a
 * temporary folder, both started through a caller's spawn (e.g. inside the lab's client
 * namespace) on fixed loopback ports, and their HTTP APIs reached through a forwarder.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { httpOverSocket, startForwarder } from './ns-http.js';

const ROOT = resolve(import.meta.dirname, '../../..');
export const SHIPPED_RULES = join(ROOT, 'config/prometheus/rules/blockwatch.rules.yml');
export const SHIPPED_ALERTMANAGER = join(ROOT, 'config/alertmanager/alertmanager.yml');

/** Ports on the namespace's own loopback, which nothing else shares. */
export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;

export interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string; labels?: object; annotations?: object }[] }[];
}

/**
 * The shipped rules with every `for:` replaced by `forDuration`, and nothing else changed:
 * the shipped durations (2m, 3m, 30m) would make a test wait minutes, while the expressions,
 * labels and annotations under test stay exactly as shipped.
 */
export function rulesWithShortFor(forDuration: string, overrides: Record<string, string> = {}): RuleFile {
  const rules = parse(readFileSync(SHIPPED_RULES, 'utf8')) as RuleFile;
  for (const g of rules.groups) for (const r of g.rules) if (r.for !== undefined) r.for = (r.alert && overrides[r.alert]) ?? forDuration;
  return rules;
}

export interface StackOptions {
  dir: string;
  /** Where blockwatch's /metrics listens, as host:port, seen from where Prometheus runs. */
  blockwatch: string;
  /** Replaces every rule's `for:`. */
  forDuration: string;
  /** …but these alerts' (by name), which must keep their proportion to something else. */
  forOverrides?: Record<string, string>;
  /** Starts a long-lived process where Prometheus and Alertmanager must run. */
  spawn: (cmd: string, args: string[]) => ChildProcess;
}

export interface Stack {
  prometheus: ChildProcess;
  alertmanager: ChildProcess;
  forwarder: ChildProcess;
  /** GET (or POST a form) to Prometheus' HTTP API; parses the JSON reply. */
  prom<T>(path: string, form?: Record<string, string>): Promise<T>;
  /** GET from Alertmanager's HTTP API; parses the JSON reply. */
  am<T>(path: string): Promise<T>;
  logs(): string;
  stop(): Promise<void>;
}

function collect(child: ChildProcess, name: string, sink: string[]): void {
  const add = (b: Buffer) => {
    sink.push(`${name}: ${b.toString()}`);
    if (sink.length > 400) sink.shift();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const rulesFile = join(o.dir, 'blockwatch.rules.yml');
  writeFileSync(rulesFile, `# ${SHIPPED_RULES} with every for: set to ${o.forDuration} (${JSON.stringify(o.forOverrides ?? {})} apart)\n${stringify(rulesWithShortFor(o.forDuration, o.forOverrides))}`);
  const promConfig = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${ALERTMANAGER_PORT}`] }] }] },
    scrape_configs: [{ job_name: 'blockwatch', static_configs: [{ targets: [o.blockwatch] }] }],
  };
  writeFileSync(join(o.dir, 'prometheus.yml'), stringify(promConfig));
  // The shipped routing as is: its webhook (127.0.0.1:5001) is a closed port of the namespace.
  writeFileSync(join(o.dir, 'alertmanager.yml'), readFileSync(SHIPPED_ALERTMANAGER, 'utf8'));

  const log: string[] = [];
  const alertmanager = o.spawn('prometheus-alertmanager', [
    `--config.file=${join(o.dir, 'alertmanager.yml')}`,
    `--storage.path=${join(o.dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${ALERTMANAGER_PORT}`,
    '--cluster.listen-address=',
  ]);
  collect(alertmanager, 'alertmanager', log);
  const prometheus = o.spawn('prometheus', [
    `--config.file=${join(o.dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(o.dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`,
  ]);
  collect(prometheus, 'prometheus', log);
  const fwd = await startForwarder(o.spawn, o.dir, [PROMETHEUS_PORT, ALERTMANAGER_PORT]);

  const stack: Stack = {
    prometheus,
    alertmanager,
    forwarder: fwd.proc,
    async prom<T>(path: string, form?: Record<string, string>): Promise<T> {
      const r = await httpOverSocket(fwd.socket(PROMETHEUS_PORT), path, { form });
      if (r.status !== 200) throw new Error(`prometheus ${path} ${JSON.stringify(form ?? {})}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
      return JSON.parse(r.text) as T;
    },
    async am<T>(path: string): Promise<T> {
      const r = await httpOverSocket(fwd.socket(ALERTMANAGER_PORT), path);
      if (r.status !== 200) throw new Error(`alertmanager ${path}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
      return JSON.parse(r.text) as T;
    },
    logs: () => log.join(''),
    async stop() {
      await Promise.all([prometheus, alertmanager, fwd.proc].map(stopChild));
    },
  };

  for (const [name, child, port] of [
    ['prometheus', prometheus, PROMETHEUS_PORT],
    ['alertmanager', alertmanager, ALERTMANAGER_PORT],
  ] as const) {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}: ${stack.logs().slice(-3000)}`);
      const r = await httpOverSocket(fwd.socket(port), '/-/ready', { timeoutMs: 1_000 }).catch(() => null);
      if (r?.status === 200) break;
      if (i > 300) throw new Error(`${name} not ready after 30 s: ${stack.logs().slice(-3000)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  return stack;
}
