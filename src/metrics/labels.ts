/** Bounded label vocabularies of the metrics: phases per kind, buckets, label-name sanitising. */
import type { TargetKind } from '../model/index.js';

export const PHASES = ['dns', 'connect', 'tls', 'ttfb', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/** The phases a probe of each kind can reach; only these series are pre-created. */
export const PHASES_OF_KIND: Record<TargetKind, readonly Phase[]> = {
  dns: ['dns', 'total'],
  tcp: ['dns', 'connect', 'total'],
  tls: ['dns', 'connect', 'tls', 'total'],
  https: ['dns', 'connect', 'tls', 'ttfb', 'total'],
  // ttfb: the RTT of the STUN transaction that answered.
  udp: ['dns', 'ttfb', 'total'],
  // No connect phase: UDP has no handshake of its own; tls is the Initial's round trip.
  quic: ['dns', 'tls', 'total'],
  // ttfb: req_pq_multi to its answer.
  mtproto: ['dns', 'connect', 'ttfb', 'total'],
};

/**
 * Seconds. Fine steps where loopback and LAN phases land (5–100 ms), coarse ones
 * up to the longest probe deadline worth keeping (30 s), where stalls land.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

/** Label names the vantage_info metric uses itself; configured labels may not shadow them. */
// `instance`, `job` and `host` are added by Prometheus and fleet agents; a vantage label must not shadow them.
const RESERVED = new Set(['vantage', 'control', 'le', 'quantile', 'instance', 'job', 'host']);

/**
 * Turns a configured label key into a valid Prometheus label name
 * ([a-zA-Z_][a-zA-Z0-9_]*, `__` prefix reserved; prometheus.io data model).
 */
export function sanitizeLabelName(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name)) name = `_${name}`;
  if (name.startsWith('__')) name = `label${name}`;
  if (RESERVED.has(name)) name = `label_${name}`;
  return name;
}
