/**
 * Alert latency and false alerts, in the censorship lab (test/lab): the real daemon runs in
 * the lab's client namespace with a 30 s interval and the lab's webhook sink as receiver.
 * First, random loss on the censored path for a while: every firing alert then is false.
 * Then the trials: each blocks its own app (an SNI reset on the app's own name) at a random
 * moment of the interval, and the latency is from that moment to the sink receiving the
 * app's BlockwatchAppBlocked alert. Trials use distinct apps, so they overlap in time and
 * twenty of them fit in a few minutes.
 */
import { T } from '../test/lab/censor.js';
import { CLI, Lab } from '../test/lab/lab.js';
import type { Scenario } from '../test/lab/scenario-types.js';
import { SCENARIOS } from '../test/lab/scenarios.js';
import type { ReceivedPost } from '../test/lab/services/webhook-sink.js';
import { median } from './proc.js';

export interface AlertResult {
  intervalSeconds: number;
  lossPercent: number;
  lossMinutes: number;
  /** Seconds from block onset to the webhook, one per trial that alerted. */
  latencies: number[];
  trials: number;
  /** Trials whose alert never came before the deadline (interval + 60 s). */
  missed: number;
  medianSeconds: number;
  maxSeconds: number;
  /** Firing alerts received while only loss was applied; null when that phase did not run. */
  falseAlerts: number | null;
  /** Their labels (alertname, vantage, app, status, pattern …), to say what fired. */
  falseAlertLabels?: Array<Record<string, string>>;
  error?: string;
}

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function firing(posts: ReceivedPost[]): Array<{ at: number; alert: WebhookAlert }> {
  const out: Array<{ at: number; alert: WebhookAlert }> = [];
  for (const p of posts) {
    const alerts = (p.body as { alerts?: WebhookAlert[] } | null)?.alerts ?? [];
    for (const a of alerts) if (a.status === 'firing') out.push({ at: Date.parse(p.receivedAt), alert: a });
  }
  return out;
}

/** One app per trial, all on the baseline app's address, each blocked by an SNI reset on its own name. */
function trialScenarios(n: number): Scenario[] {
  const baseline = SCENARIOS.find((s) => s.name === 'baseline');
  if (!baseline) throw new Error('the lab has no baseline scenario');
  const ip = Object.values(baseline.hosts)[0];
  return Array.from({ length: n }, (_, i): Scenario => {
    const host = `alert${i}.lab`;
    const targets: Scenario['targets'] = [{ id: 'web', kind: 'https', url: `https://${host}/` }];
    return {
      name: `alert${i}`,
      description: `Alert-latency trial ${i}: SNI reset on ${host}.`,
      why: 'bench',
      hosts: { [host]: ip },
      targets,
      censor: [T.sniReset(host)],
      expect: { isp: { app: 'blocked', targets: { web: ['blocked', 'tls.sni_filter'] } }, abroad: { app: 'reachable', targets: { web: ['ok', null] } } },
    };
  });
}

export async function alertLatency(opts: {
  trials: number;
  intervalSeconds: number;
  lossPercent: number;
  lossMinutes: number;
  log?: (s: string) => void;
}): Promise<AlertResult> {
  const result: AlertResult = {
    intervalSeconds: opts.intervalSeconds,
    lossPercent: opts.lossPercent,
    lossMinutes: opts.lossMinutes,
    latencies: [],
    trials: opts.trials,
    missed: 0,
    medianSeconds: NaN,
    maxSeconds: NaN,
    falseAlerts: null,
  };
  if (process.getuid?.() !== 0) return { ...result, error: 'the lab needs root (network namespaces, iptables)' };
  const scenarios = trialScenarios(opts.trials);
  let lab: Lab;
  try {
    lab = await Lab.up({ scenarios, cron: `*/${opts.intervalSeconds} * * * * *`, timeout: '4s' });
  } catch (err) {
    return { ...result, error: `the lab did not come up: ${(err as Error).message}` };
  }
  try {
    const daemon = lab.spawn(process.execPath, [CLI(), 'run', '--config', lab.configFile]);
    daemon.stdout?.resume();
    let stderr = '';
    daemon.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    // Two rounds with nothing blocked, so every app has a known good state.
    await sleep(2 * opts.intervalSeconds * 1000 + 5000);
    if (daemon.exitCode !== null) throw new Error(`the daemon exited with ${daemon.exitCode}: ${stderr}`);
    await lab.webhookSink.clear();

    if (opts.lossMinutes > 0) {
      opts.log?.(`  ${opts.lossPercent}% loss for ${opts.lossMinutes} min`);
      await lab.apply([T.loss(opts.lossPercent / 100)]);
      await sleep(opts.lossMinutes * 60_000);
      await lab.revert();
      const wrong = firing(await lab.webhookSink.received());
      result.falseAlerts = wrong.length;
      result.falseAlertLabels = wrong.map((w) => w.alert.labels);
      opts.log?.(`  false alerts: ${result.falseAlerts}${wrong.map((w) => `\n    ${JSON.stringify(w.alert.labels)}`).join('')}`);
      // Let any round that saw loss finish before the trials.
      await sleep(opts.intervalSeconds * 1000 + 5000);
      await lab.webhookSink.clear();
    }

    // Onsets spread at random over several intervals; each trial's app is its own.
    const onsets = new Map<string, number>();
    const span = Math.max(opts.intervalSeconds * 1000, opts.trials * 4000);
    const plan = scenarios.map((s) => ({ s, at: Math.random() * span })).sort((a, b) => a.at - b.at);
    const t0 = Date.now();
    for (const { s, at } of plan) {
      await sleep(Math.max(0, t0 + at - Date.now()));
      await lab.apply(s);
      onsets.set(s.name, Date.now());
    }
    const deadline = Date.now() + (opts.intervalSeconds + 60) * 1000;
    const seen = new Map<string, number>();
    while (seen.size < onsets.size && Date.now() < deadline) {
      await sleep(500);
      for (const f of firing(await lab.webhookSink.received())) {
        const app = f.alert.labels.app;
        if (f.alert.labels.alertname === 'BlockwatchAppBlocked' && f.alert.labels.vantage === 'isp' && onsets.has(app) && !seen.has(app)) seen.set(app, f.at);
      }
    }
    for (const [app, onset] of onsets) {
      const at = seen.get(app);
      if (at === undefined) result.missed++;
      else result.latencies.push((at - onset) / 1000);
    }
    result.medianSeconds = median(result.latencies);
    result.maxSeconds = result.latencies.length ? Math.max(...result.latencies) : NaN;
    opts.log?.(`  ${result.latencies.length}/${opts.trials} alerted: median ${result.medianSeconds.toFixed(1)} s, max ${result.maxSeconds.toFixed(1)} s, missed ${result.missed}`);
    await lab.revert();
    daemon.kill('SIGTERM');
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    await lab.down();
  }
  return result;
}
