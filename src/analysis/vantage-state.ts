/**
 * Pure: what a vantage's canaries say about the vantage itself — online, walled
 * (only domestic canaries answer) or offline — and, for an offline one, why.
 */
import type { CanaryOutcome, CanaryScope, DnsQuery, FailureString, Measurement, OfflineReason, Operation, VantageStateName } from '../model/index.js';

export interface CanaryResult {
  id: string;
  scope: CanaryScope;
  measurement: Measurement;
}

/**
 * The state one attempt shows. Online when a foreign canary answers, or any canary
 * when none is foreign (domestic canaries alone cannot tell walled from online);
 * walled when only domestic ones answer; offline when none does.
 */
export function attemptState(results: readonly CanaryResult[]): VantageStateName {
  const ok = (r: CanaryResult) => r.measurement.failure === null;
  const foreign = results.filter((r) => r.scope === 'foreign');
  if (foreign.some(ok)) return 'online';
  if (!results.some(ok)) return 'offline';
  return foreign.length === 0 ? 'online' : 'walled';
}

export function canaryOutcomes(results: readonly CanaryResult[]): CanaryOutcome[] {
  return results.map((r) => ({
    id: r.id,
    scope: r.scope,
    status: r.measurement.failure === null ? 'ok' : 'failed',
    failure: r.measurement.failure,
    operation: r.measurement.operation,
  }));
}

/** Failures that say a packet left and nothing answered it (or only a router's "unreachable"). */
const SILENT: ReadonlySet<FailureString> = new Set(['generic_timeout_error', 'host_unreachable', 'network_unreachable']);

/** A DNS query that got a reply: the resolver answered, whatever it said. */
const answered = (q: DnsQuery): boolean => q.rcode !== null || q.replies.length > 0;

/**
 * A failure in which nothing answered. glibc reports an unreachable resolver and a
 * SERVFAIL alike (EAI_AGAIN → dns_server_misbehaving): through the system resolver
 * that failure may be silence too.
 */
function silentFailure(failure: FailureString | null, operation: Operation | null, engine: DnsQuery['engine'] | null): boolean {
  if (failure === null) return false;
  if (operation === 'resolve') return SILENT.has(failure) || (failure === 'dns_server_misbehaving' && engine === 'getaddrinfo');
  return operation === 'connect' && SILENT.has(failure);
}

/** A canary probe that failed with nothing answering: no DNS reply, no connection, no refusal. */
export function silentMeasurement(m: Measurement): boolean {
  if (m.queries.some(answered)) return false;
  if (m.tcp_connect.some((c) => c.status.success || (c.status.failure !== null && !SILENT.has(c.status.failure)))) return false;
  return silentFailure(m.failure, m.operation, m.queries[0]?.engine ?? null);
}

export interface OfflineEvidence {
  /** The canaries' measurements in the last attempt. */
  measurements: readonly Measurement[];
  /**
   * The host's own route lookups towards the vantage's first hops (its proxy, its
   * resolver, the canaries' addresses): how many were looked up, and how many the
   * stack had no route for.
   */
  routes: { checked: number; noRoute: number };
  /** The vantage's resolver, asked directly when no canary needed it; null when not asked. */
  resolverQuery: DnsQuery | null;
  /** Another vantage on this host is online or walled. */
  siblingOnline: boolean;
}

/** Why an offline vantage is offline (see OFFLINE_REASONS). */
export function offlineReason(e: OfflineEvidence): OfflineReason {
  if (e.routes.checked > 0 && e.routes.noRoute === e.routes.checked) return 'link';
  if (e.measurements.length === 0 || !e.measurements.every(silentMeasurement)) return 'unknown';
  const q = e.resolverQuery;
  if (q && (answered(q) || !silentFailure(q.failure, 'resolve', q.engine))) return 'unknown';
  return e.siblingOnline ? 'shutdown' : 'silent';
}
