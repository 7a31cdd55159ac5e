/** Building measurements: a blank record per probe, and the rule for its overall failure. */
import type { DnsQuery, FailureString, Measurement, Operation, Target } from '../model/index.js';
import type { ProbeContext } from './types.js';

export function newMeasurement(target: Target, ctx: ProbeContext): Measurement {
  return {
    app: ctx.app,
    vantage: ctx.vantage.id,
    target,
    startedAt: new Date().toISOString(),
    queries: [],
    tcp_connect: [],
    tls_handshakes: [],
    requests: [],
    failure: null,
    operation: null,
    timings: { total: 0 },
  };
}

/** Sets the probe's failure once: the first failing step wins. */
export function fail(m: Measurement, failure: FailureString | null, operation: Operation): void {
  if (failure && m.failure === null) {
    m.failure = failure;
    m.operation = operation;
  }
}

/** Addresses answered by a set of queries, IPv4 first, each once. */
export function addressesOf(queries: DnsQuery[]): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const q of queries) {
    for (const a of q.answers) {
      if (a.answer_type === 'A' && !v4.includes(a.value)) v4.push(a.value);
      else if (a.answer_type === 'AAAA' && !v6.includes(a.value)) v6.push(a.value);
    }
  }
  return v4.concat(v6);
}

/**
 * The failure of a resolution that produced no address: a real error beats
 * dns_no_answer (a name with only A records answers AAAA with nothing).
 */
export function resolveFailure(queries: DnsQuery[]): FailureString {
  for (const q of queries) if (q.failure && q.failure !== 'dns_no_answer') return q.failure;
  return 'dns_no_answer';
}
