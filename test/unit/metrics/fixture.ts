/** Small, complete configs and verdicts for the output modules' tests. */
import type { App, AppVerdict, Config, Target, TargetVerdict, Vantage } from '../../../src/model/index.js';
import { targetInput } from '../../../src/model/index.js';

export function app(id: string, targets: Target[]): App {
  return { id, name: id, sources: [], targets, groups: {}, file: `/probes/${id}.yaml` };
}

export function vantage(id: string, opts: Partial<Vantage> = {}): Vantage {
  return { id, resolver: { type: 'system' }, labels: {}, control: false, ...opts };
}

export const telegram = app('telegram', [
  { id: 'web', kind: 'https', url: 'https://web.telegram.org/' },
  { id: 'dc2', kind: 'tcp', host: '149.154.167.51', port: 443, group: 'datacenters' },
  { id: 'dns', kind: 'dns', host: 'telegram.org' },
]);

export const whatsapp = app('whatsapp', [{ id: 'e1', kind: 'tls', host: 'e1.whatsapp.net', port: 443 }]);

export function config(over: Partial<Config> = {}): Config {
  return {
    file: '/etc/blockwatch.yaml',
    probesDir: '/probes',
    apps: [telegram, whatsapp],
    schedule: { cron: '*/1 * * * *', jitterMs: 0, concurrency: 4, timeoutMs: 10_000 },
    vantages: [vantage('isp', { labels: { country: 'RU', asn: '12389' } }), vantage('abroad', { control: true })],
    control: { resolver: { type: 'system' } },
    canaries: [],
    tls: { extraCA: [] },
    server: { host: '127.0.0.1', port: 0, enableReload: false },
    alerts: {
      confirm: { attempts: 2, spacingMs: 3000 },
      resolveAfter: 2,
      repeatMs: 4 * 3600_000,
      resendMs: 60_000,
      receivers: [],
      externalUrl: 'http://probe-1:9464',
    },
    evidence: null,
    fingerprints: { dns: [], http: [] },
    fingerprintSources: [],
    limits: { bodyBytes: 65536, dnsReplyWindowMs: 200, stallMs: 5000 },
    ...over,
  };
}

/** A verdict on every target of the app: `statuses` maps target id → status (default ok). */
export function verdict(
  a: App,
  vantageId: string,
  status: AppVerdict['status'],
  targets: Record<string, Partial<TargetVerdict>> = {},
): AppVerdict {
  const tv: TargetVerdict[] = a.targets.map((t) => ({
    id: t.id,
    kind: t.kind,
    input: targetInput(t),
    status: 'ok',
    pattern: null,
    failure: null,
    operation: null,
    timings: { total: 0.05 },
    evidence: {},
    diagnosis: null,
    basis: null,
    trials: { run: 1, blocked: targets[t.id]?.status === 'blocked' ? 1 : 0 },
    ...targets[t.id],
  }));
  const patterns = [...new Set(tv.map((t) => t.pattern).filter((p): p is NonNullable<typeof p> => p !== null))];
  return { app: a.id, vantage: vantageId, status, patterns, targets: tv };
}
