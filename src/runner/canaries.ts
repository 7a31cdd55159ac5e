/**
 * A vantage's canaries: probed, and re-probed when no foreign one answers, to decide
 * whether the vantage is online, walled or offline; for an offline one, the evidence
 * of why (the host's own routes, the vantage's resolver).
 */
import { getServers } from 'node:dns';
import { isIP } from 'node:net';
import { attemptState, canaryOutcomes, type CanaryResult, type OfflineEvidence } from '../analysis/index.js';
import type { Canary, CanaryOutcome, DnsQuery, Measurement, Target, Vantage, VantageStateName } from '../model/index.js';
import { targetHostname } from '../model/index.js';
import { withDeadline } from '../net/deadline.js';
import { routeTo } from '../net/route.js';
import { sleep } from '../schedule/sleep.js';
import type { VantageTransport } from './transports.js';

export interface CanaryCheck {
  state: VantageStateName;
  /** What each canary saw in the attempt that decided; empty when the vantage has none. */
  outcomes: CanaryOutcome[];
  /** The measurements of that attempt, in canary order (re-probed foreign canaries replace their earlier ones). */
  measurements: Measurement[];
}

export interface CheckOptions {
  /** Re-probes after a first attempt in which no foreign canary answered (alerts.confirm). */
  attempts: number;
  spacingMs: number;
  signal: AbortSignal;
  /**
   * Called once a canary has answered (online or walled: the vantage's verdicts will
   * count), before a walled vantage's foreign canaries are probed again, so that its
   * targets need not wait for the re-probes.
   */
  onReachable?: () => void;
}

/**
 * Any foreign canary that answers proves the vantage online. When none does, the
 * canaries are probed again (the confirmation attempts, spaced alike): a lost packet
 * must take a vantage neither offline nor walled. A domestic canary that answered
 * once has shown the path works; after it, only the foreign ones are probed again.
 * No canaries: online, as the vantage has always been taken to be.
 */
export async function checkCanaries(canaries: readonly Canary[], probe: (t: Target) => Promise<Measurement>, opts: CheckOptions): Promise<CanaryCheck> {
  if (canaries.length === 0) return { state: 'online', outcomes: [], measurements: [] };
  const latest = new Map<Canary, Measurement>();
  const results = (): CanaryResult[] => canaries.map((c) => ({ id: c.target.id, scope: c.scope, measurement: latest.get(c)! }));
  let pending: readonly Canary[] = canaries;
  let state: VantageStateName = 'offline';
  for (let i = 0; i <= Math.max(1, opts.attempts); i++) {
    if (i > 0) await sleep(opts.spacingMs, opts.signal);
    if (opts.signal.aborted) break;
    const round = await Promise.all(pending.map((c) => probe(c.target)));
    pending.forEach((c, k) => latest.set(c, round[k]));
    const seen = attemptState(results());
    if (seen === 'online') return { state: 'online', outcomes: canaryOutcomes(results()), measurements: results().map((r) => r.measurement) };
    // Walled is sticky across attempts: a domestic answer is not undone by a later lost packet.
    if (seen === 'walled' && state !== 'walled') {
      state = 'walled';
      opts.onReachable?.();
    }
    if (state === 'walled') pending = canaries.filter((c) => c.scope === 'foreign');
  }
  if (latest.size < canaries.length) return { state: 'offline', outcomes: [], measurements: [] };
  return { state, outcomes: canaryOutcomes(results()), measurements: results().map((r) => r.measurement) };
}

/** The system resolver's servers as c-ares reads them from resolv.conf (`[v6]:port`, `v4:port` or a bare address). */
function systemResolverAddresses(): string[] {
  return getServers()
    .map((s) => (s.startsWith('[') ? s.slice(1, s.indexOf(']')) : isIP(s) ? s : s.replace(/:\d+$/, '')))
    .filter((s) => isIP(s) !== 0);
}

/**
 * The addresses a vantage's first packets go to: its proxy, when it has one (every
 * probe goes there first); else its resolver and the canaries' addresses. Names are
 * left out: looking them up would need the network in question.
 */
export function firstHops(v: Vantage, canaries: readonly Canary[], measurements: readonly Measurement[]): string[] {
  if (v.proxy) return isIP(v.proxy.host) ? [v.proxy.host] : [];
  const hops: string[] = [];
  const r = v.resolver;
  if (r.type === 'udp' || r.type === 'tcp') hops.push(r.host);
  else if (r.type === 'doh') hops.push(new URL(r.url).hostname.replace(/^\[|\]$/g, ''));
  // A stub resolver on loopback (systemd-resolved's 127.0.0.53) is always routable and says nothing about the uplink.
  else hops.push(...systemResolverAddresses().filter((ip) => !isLoopback(ip)));
  for (const c of canaries) {
    const t = c.target;
    if (t.kind !== 'https') hops.push(t.host);
  }
  for (const m of measurements) for (const c of m.tcp_connect) hops.push(c.ip);
  // A bound vantage can only send from its own family.
  const family = v.localAddress ? isIP(v.localAddress) : 0;
  return [...new Set(hops)].filter((ip) => isIP(ip) !== 0 && (family === 0 || isIP(ip) === family));
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** The name to ask the vantage's resolver when no canary did: a canary's host name or TLS server name. */
function canaryName(canaries: readonly Canary[]): string | null {
  for (const c of canaries) {
    const name = targetHostname(c.target) ?? (c.target.kind === 'tls' ? (c.target.sni ?? null) : null);
    if (name) return name;
  }
  return null;
}

/** Looks at the host's routes and, when no canary asked it, the vantage's resolver. */
export async function offlineEvidence(
  t: VantageTransport,
  canaries: readonly Canary[],
  check: CanaryCheck,
  opts: { timeoutMs: number; signal: AbortSignal; siblingOnline: boolean },
): Promise<OfflineEvidence> {
  const hops = firstHops(t.vantage, canaries, check.measurements);
  const routes = await Promise.all(hops.map((ip) => routeTo(ip, t.vantage.localAddress)));
  const noRoute = routes.filter((f) => f === 'network_unreachable' || f === 'host_unreachable').length;
  let resolverQuery: DnsQuery | null = null;
  const name = canaryName(canaries);
  if (name && !check.measurements.some((m) => m.queries.length > 0) && !opts.signal.aborted) {
    resolverQuery = await withDeadline(opts.timeoutMs, opts.signal, (signal) => t.resolver.query(name, 'A', { signal, origin: performance.now() }));
  }
  return { measurements: check.measurements, routes: { checked: hops.length, noRoute }, resolverQuery, siblingOnline: opts.siblingOnline };
}
