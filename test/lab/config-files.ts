/** Writes the lab's blockwatch config, app catalogues and fingerprints into the lab's folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import * as A from './addresses.js';
import { WARNING_URL } from './services/app-hosts.js';
import type { Scenario } from './scenario-types.js';

export interface LabConfigOptions {
  /** How the control vantage leaves: SOCKS5 (default) or HTTP CONNECT. */
  controlProxy?: 'socks5' | 'http';
  /** Per-probe deadline; short, so blocked probes end quickly. */
  timeout?: string;
  cron?: string;
  /** `schedule.trials`: trials of each target a round (DESIGN §14); left out of the config when not given. */
  trials?: number;
  /**
   * `alerts.confirm.attempts` (default 2, blockwatch's own): re-probes of a target bad at its
   * first trials, by the daemon and by `check`. The scenarios' checks run with 0 (Lab.configFor):
   * a scenario states what one probe concludes, save for a scenario about confirmation.
   */
  confirm?: number;
  /** `schedule.blockedRatioWindow`, for a lab run too short for the default 15 minutes. */
  blockedRatioWindow?: string;
}

export const LAB_CANARY = { id: 'canary', kind: 'https', url: 'https://canary.lab/' };
/** Domestic to the isp vantage (country XX), so that an allowlist walls it in rather than taking it offline. */
export const LAB_DOMESTIC_CANARY = { id: 'domestic-canary', kind: 'https', url: 'https://domestic-canary.lab/', scope: 'domestic', vantageLabels: { country: 'XX' } };

export function writeLabConfig(dir: string, caFile: string, scenarios: Scenario[], opts: LabConfigOptions = {}): string {
  const probes = join(dir, 'probes');
  const fingerprints = join(dir, 'fingerprints');
  mkdirSync(probes, { recursive: true });
  mkdirSync(fingerprints, { recursive: true });
  for (const s of scenarios) {
    const catalogue = { id: s.name, name: `Lab app: ${s.name}`, sources: ['blockwatch censorship lab (test/lab/scenarios.ts)'], targets: s.targets, groups: s.groups ?? {} };
    writeFileSync(join(probes, `${s.name}.yaml`), `# ${s.description}\n${stringify(catalogue)}`);
  }
  const source = 'blockwatch censorship lab (test/lab/)';
  writeFileSync(join(fingerprints, 'dns.yaml'), stringify([{ name: 'lab.isp.blockpage', pattern: A.BLOCKPAGE, countries: ['XX'], source }]));
  writeFileSync(
    join(fingerprints, 'http.yaml'),
    stringify([
      { name: 'lab.regulator.body', location: 'body', type: 'contains', pattern: 'restricted by order of the Lab Communications Regulator', countries: ['XX'], source },
      { name: 'lab.isp.warning', location: 'header.location', type: 'prefix', pattern: WARNING_URL, countries: ['XX'], source },
    ]),
  );
  const proxy = opts.controlProxy === 'http' ? `http://${A.PROXY}:${A.CONNECT_PORT}` : `socks5://${A.PROXY}:${A.SOCKS_PORT}`;
  const config = {
    probes: './probes',
    fingerprints: './fingerprints',
    schedule: { cron: opts.cron ?? '*/30 * * * * *', jitter: '0s', concurrency: 64, timeout: opts.timeout ?? '4s', ...(opts.trials ? { trials: opts.trials } : {}), ...(opts.blockedRatioWindow ? { blockedRatioWindow: opts.blockedRatioWindow } : {}) },
    vantages: [
      { id: 'isp', resolver: `udp://${A.ISP_RESOLVER}:53`, labels: { country: 'XX', isp: 'lab' } },
      { id: 'abroad', resolver: `udp://${A.TRUTHFUL_RESOLVER}:53`, proxy, control: true, labels: { country: 'YY' } },
    ],
    control: { resolver: `https://${A.TRUTHFUL_RESOLVER}/dns-query` },
    canaries: [LAB_CANARY, LAB_DOMESTIC_CANARY],
    tls: { extraCA: caFile },
    server: { listen: '127.0.0.1:9464' },
    // The stall timer must end a frozen read well before the probe's deadline.
    limits: { bodyBytes: '64KB', dnsReplyWindow: '300ms', stall: '1500ms' },
    alerts: {
      confirm: { attempts: opts.confirm ?? 2, spacing: '1s' },
      resolveAfter: 2,
      repeat: '4h',
      receivers: [{ name: 'sink', type: 'webhook', url: `http://${A.WEBHOOK_SINK}:${A.WEBHOOK_PORT}/hook` }],
    },
    evidence: { dir: './evidence', maxBytes: '64MB' },
  };
  const file = join(dir, 'blockwatch.yaml');
  writeFileSync(file, `# The censorship lab's config: vantage isp crosses the censor, abroad is the control.\n${stringify(config)}`);
  return file;
}
