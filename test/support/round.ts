/** One round of a one-app config on loopback, written to a temp folder: verdicts as the daemon and `check` would reach them. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/model/index.js';
import { runRound, type RoundResult } from '../../src/runner/round.js';
import { closeTransports, makeTransports } from '../../src/runner/transports.js';

export interface LoopbackApp {
  /** The catalogue's `targets:` items, one YAML line each (indented by two). */
  targets: string;
  /** The loopback DNS server the vantage and the control resolve with (UDP). */
  dnsPort: number;
  /** PEM added as tls.extraCA. */
  ca?: string;
  /** More keys of the vantage, in YAML flow style, e.g. `proxy: "socks5://127.0.0.1:1080"`. */
  vantage?: string;
  /** schedule.timeout; default 2s. */
  timeout?: string;
  /** More top-level config lines. */
  extra?: string;
  /** More keys of `schedule`, in YAML flow style, e.g. `trials: 3, trialSpacing: 10ms`. */
  schedule?: string;
  /** The trusted resolver's port on loopback (UDP); default dnsPort. */
  controlDnsPort?: number;
  /** More vantages, each a YAML flow mapping, e.g. `{ id: abroad, resolver: "udp://…", control: true }`. */
  vantages?: string[];
}

export function loopbackConfig(o: LoopbackApp): Config {
  const dir = mkdtempSync(join(tmpdir(), 'bw-round-'));
  mkdirSync(join(dir, 'probes'));
  if (o.ca) writeFileSync(join(dir, 'ca.pem'), o.ca);
  writeFileSync(join(dir, 'probes', 'app.yaml'), `id: app\nname: App\nsources: ["loopback test"]\ntargets:\n${o.targets}\n`);
  const resolver = `udp://127.0.0.1:${o.dnsPort}`;
  writeFileSync(
    join(dir, 'blockwatch.yaml'),
    `probes: ./probes\nschedule: { timeout: ${o.timeout ?? '2s'}${o.schedule ? `, ${o.schedule}` : ''} }\n` +
      `vantages: [{ id: lo, resolver: "${resolver}"${o.vantage ? `, ${o.vantage}` : ''} }${(o.vantages ?? []).map((v) => `, ${v}`).join('')}]\n` +
      `control: { resolver: "udp://127.0.0.1:${o.controlDnsPort ?? o.dnsPort}" }\n${o.ca ? 'tls: { extraCA: ./ca.pem }\n' : ''}${o.extra ?? ''}`,
  );
  return loadConfig(join(dir, 'blockwatch.yaml'));
}

export async function roundOf(o: LoopbackApp): Promise<RoundResult> {
  const config = loopbackConfig(o);
  const transports = makeTransports(config);
  try {
    return await runRound(config, transports);
  } finally {
    await closeTransports(transports);
  }
}

/** The first target's verdict as `status/pattern/failure/operation`. */
export function verdictLine(r: RoundResult): string {
  const t = r.report.apps[0].targets[0];
  return `${t.status}/${t.pattern}/${t.failure}/${t.operation}`;
}
