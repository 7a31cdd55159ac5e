/** The daemon in the lab's client namespace, for the suites that run it: its config narrowed to some apps, the alerts the sink got, its rounds. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { eventually, startDaemon, type Daemon } from '../support/daemon.js';
import type { Lab } from './lab.js';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
}

export interface LabDaemonOptions {
  /** The apps the daemon probes (the lab's config holds every scenario's catalogue). */
  apps: string[];
  /** Changes to the rest of the lab's config (server, alerts …), applied after the defaults. */
  edit?: (config: Record<string, unknown>) => void;
  /** Environment of the daemon (secrets the config names). */
  env?: Record<string, string>;
  name?: string;
}

/**
 * `blockwatch run` in the client namespace on the lab's config narrowed to `apps`, on an
 * ephemeral port, confirming twice a second apart and resolving after two good rounds;
 * resolves once the daemon is ready (a first round done).
 */
export async function startLabDaemon(lab: Lab, o: LabDaemonOptions): Promise<Daemon> {
  const config = parse(readFileSync(lab.configFile, 'utf8')) as Record<string, unknown>;
  config.apps = o.apps;
  config.server = { listen: '127.0.0.1:0' };
  config.alerts = { ...(config.alerts as object), confirm: { attempts: 2, spacing: '1s' }, resolveAfter: 2 };
  o.edit?.(config);
  const file = join(lab.dir, `${o.name ?? 'daemon'}.yaml`);
  writeFileSync(file, stringify(config));
  const daemon = await startDaemon(file, ['ip', 'netns', 'exec', lab.ns.client], o.env);
  await eventually(async () => (await daemon.get('/readyz')).status === 200, 30_000);
  return daemon;
}

/** Every alert the lab's webhook sink has received, flattened, in order of arrival. */
export async function sinkAlerts(lab: Lab): Promise<WebhookAlert[]> {
  const posts = await lab.webhookSink.received();
  return posts.flatMap((p) => (p.body as { alerts?: WebhookAlert[] }).alerts ?? []);
}

/** Whether an alert with this status and these labels is in the list. */
export const hasAlert = (list: WebhookAlert[], status: string, labels: Record<string, string>): boolean =>
  list.some((a) => a.status === status && Object.entries(labels).every(([key, v]) => a.labels[key] === v));

/** Rounds the daemon has logged as done so far. */
export const roundsDone = (daemon: Daemon): number => daemon.logs.filter((l) => l.msg === 'round done').length;

/** Waits until `n` more rounds are done, allowing `perRoundMs` for each. */
export async function waitRounds(daemon: Daemon, n: number, perRoundMs = 20_000): Promise<void> {
  const target = roundsDone(daemon) + n;
  await eventually(async () => roundsDone(daemon) >= target, perRoundMs * n);
}
