/** The one signature every engine shares, and what it is given. */
import type { Limits, Measurement, Target, Vantage } from '../model/index.js';
import type { Connector, DatagramConnector, Resolver } from '../net/types.js';

export interface ProbeContext {
  app: string;
  vantage: Vantage;
  resolver: Resolver;
  connector: Connector;
  /** UDP paths (udp and quic targets). */
  datagrams: DatagramConnector;
  /** Trust anchors (PEM) added to Node's roots: config tls.extraCA plus the target's own ca. */
  extraCA: string[];
  /** Aborted at the probe's deadline or on shutdown. */
  signal: AbortSignal;
  limits: Limits;
}

/** Probes one target; returns a measurement even when the target is blocked. Throws only when it cannot run. */
export type Engine<T extends Target = Target> = (target: T, ctx: ProbeContext) => Promise<Measurement>;
