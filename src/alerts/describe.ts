/** Labels and annotations of native alerts, built from what the verdicts saw. */
import { createHash } from 'node:crypto';
import type { AppVerdict, OfflineReason, TargetVerdict, VantageState } from '../model/index.js';
import type { AlertName } from './types.js';

/** Blocking is what the users of blockwatch act on at once; an outage or an offline vantage is context. */
export const SEVERITY: Record<AlertName, string> = {
  BlockwatchAppBlocked: 'critical',
  BlockwatchAppDown: 'warning',
  BlockwatchVantageOffline: 'warning',
  // An allowlisted network is the event itself: every foreign app is gone from it at once.
  BlockwatchVantageWalled: 'critical',
};

/** Annotations stay readable in a chat message: at most this many targets are listed. */
const MAX_TARGETS = 6;

export function appLabels(name: AlertName, v: AppVerdict): Record<string, string> {
  const labels: Record<string, string> = {
    alertname: name,
    vantage: v.vantage,
    app: v.app,
    status: name === 'BlockwatchAppBlocked' ? 'blocked' : 'down',
    severity: SEVERITY[name],
  };
  const pattern = name === 'BlockwatchAppBlocked' ? mainPattern(v) : null;
  if (pattern) labels.pattern = pattern;
  return labels;
}

/** The pattern of most blocked targets; ties go to the first in the verdict's order. */
export function mainPattern(v: AppVerdict): string | null {
  const counts = new Map<string, number>();
  for (const t of v.targets) if (t.status === 'blocked' && t.pattern) counts.set(t.pattern, (counts.get(t.pattern) ?? 0) + 1);
  let best: string | null = null;
  for (const [p, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = p;
  return best ?? v.patterns[0] ?? null;
}

export function appAnnotations(name: AlertName, v: AppVerdict, vantage: VantageState): Record<string, string> {
  const where = vantageText(vantage);
  const bad = v.targets.filter((t) => t.status === 'blocked' || t.status === 'down');
  const pattern = mainPattern(v);
  const summary =
    name === 'BlockwatchAppBlocked'
      ? `${v.app} is blocked at ${v.vantage}${pattern ? ` (${pattern})` : ''}`
      : `${v.app} is down as seen from ${v.vantage}`;
  const lines = bad.slice(0, MAX_TARGETS).map(targetLine);
  if (bad.length > MAX_TARGETS) lines.push(`… and ${bad.length - MAX_TARGETS} more targets`);
  const control = controlLines(bad);
  const description = [
    name === 'BlockwatchAppBlocked'
      ? `${v.app} cannot be reached from ${where}, and a control reaches it: deliberate blocking.`
      : vantage.control
        ? `${v.app} cannot be reached from control ${where}, a path believed uncensored.`
        : `${v.app} cannot be reached from ${where}, and the control fails the same way: an outage of the service.`,
    ...lines,
    ...(control.length ? ['Control:', ...control] : []),
  ].join('\n');
  return { summary, description };
}

/** The vantage alert a state raises; none while online. */
export function vantageAlertName(vantage: VantageState): AlertName | null {
  if (vantage.state === 'walled') return 'BlockwatchVantageWalled';
  if (vantage.state === 'offline') return 'BlockwatchVantageOffline';
  return null;
}

/**
 * An offline vantage's alert carries its reason as a label, so that a shutdown can be
 * routed apart from a probe host that lost its own link.
 */
export function vantageLabels(name: AlertName, vantage: VantageState): Record<string, string> {
  const labels: Record<string, string> = { alertname: name, vantage: vantage.id, status: vantage.state, severity: SEVERITY[name] };
  if (vantage.state === 'offline') labels.reason = vantage.reason ?? 'unknown';
  return labels;
}

const OFFLINE_WORDS: Record<OfflineReason, { summary: string; description: string }> = {
  shutdown: {
    summary: 'nothing answers (shutdown)',
    description:
      'Nothing answers: every canary, domestic ones included, and its resolver time out or come back unreachable, ' +
      'while this host still has a route for it and another of its vantages is online. The network went silent, not this host: ' +
      'a shutdown, or a total outage of that network (from inside, an order and a cut look alike).',
  },
  silent: {
    summary: 'nothing answers',
    description:
      'Nothing answers: every canary and its resolver time out or come back unreachable, while this host still has a route for it. ' +
      "No other vantage on this host is online, so a shutdown cannot be told from this host's own uplink failing beyond its interface.",
  },
  link: {
    summary: "this host's own link is down",
    description:
      "This host has no route for the vantage's traffic (its interface is down or its route is gone): nothing left the host. " +
      "That is the probe host's problem, not the network's.",
  },
  unknown: {
    summary: 'its canaries fail',
    description:
      'Its canaries fail, but something answers (its resolver, a refusal, a captive portal): neither a shutdown nor a lost link. ' +
      'A network that allowlists destinations looks like this when the vantage has no domestic canary.',
  },
};

export function vantageAnnotations(name: AlertName, vantage: VantageState): Record<string, string> {
  const where = vantageText(vantage);
  if (name === 'BlockwatchVantageWalled') {
    return {
      summary: `vantage ${vantage.id} is walled in: only domestic destinations answer`,
      description: [
        `Only the domestic canaries of ${where} answer: the network lets through approved destinations only (destination allowlisting).`,
        ...canaryLines(vantage),
        'Its apps are still judged, as from an online vantage: each app blocked there raises its own alert.',
      ].join('\n'),
    };
  }
  const words = OFFLINE_WORDS[vantage.reason ?? 'unknown'];
  return {
    summary: `vantage ${vantage.id} is offline: ${words.summary}`,
    description: [
      `${where} is offline. ${words.description}`,
      ...canaryLines(vantage),
      'Its app verdicts are unknown and no app alerts are raised for it until it is back.',
    ].join('\n'),
  };
}

/** One line per canary: which answered, which failed and how. */
function canaryLines(vantage: VantageState): string[] {
  return (vantage.canaries ?? []).slice(0, MAX_TARGETS).map((c) => {
    const how = c.status === 'ok' ? 'answered' : `failed${c.failure ? ` (${c.failure}${c.operation ? ` in ${c.operation}` : ''})` : ''}`;
    return `- canary ${c.id} [${c.scope}]: ${how}`;
  });
}

/** A hex id of the label set, stable across restarts (order-independent). */
export function fingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0000`);
  return h.digest('hex').slice(0, 16);
}

function vantageText(v: VantageState): string {
  const labels = Object.entries(v.labels).map(([k, val]) => `${k}=${val}`);
  return `vantage ${v.id}${labels.length ? ` (${labels.join(', ')})` : ''}`;
}

function targetLine(t: TargetVerdict): string {
  const how = [t.pattern, t.failure && t.operation ? `${t.failure} in ${t.operation}` : t.failure].filter(Boolean).join(', ');
  return `- ${t.id} [${t.kind}] ${t.input}: ${t.status}${how ? ` (${how})` : ''}`;
}

interface StepLike {
  step: string;
  input?: string;
  outcome: string;
  failure?: string | null;
}

/** What the controls saw, from the diagnosis steps a verdict's evidence carries. */
function controlLines(targets: TargetVerdict[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    for (const s of diagnosisSteps(t.evidence)) {
      if (!s.step.startsWith('control_') && s.step !== 'sni_swap') continue;
      const failure = s.outcome === 'failure' && s.failure ? ` (${s.failure})` : '';
      out.push(`- ${t.id}: ${s.step} ${s.input ?? ''} ${s.outcome === 'success' ? 'succeeded' : 'failed'}${failure}`.replace(/ +/g, ' '));
      if (out.length >= MAX_TARGETS) return out;
    }
  }
  return out;
}

function diagnosisSteps(evidence: Record<string, unknown>): StepLike[] {
  const raw = evidence.diagnosis ?? evidence.steps;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (s): s is StepLike => typeof s === 'object' && s !== null && typeof (s as StepLike).step === 'string' && typeof (s as StepLike).outcome === 'string',
  );
}
