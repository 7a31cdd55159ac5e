/**
 * The live transports of a config: one resolver and connector per vantage, the control
 * resolver, and the executor that runs the round's network work (in this thread, or in
 * probe workers that hold transports of their own).
 */
import { availableParallelism } from 'node:os';
import type { Config, Vantage } from '../model/index.js';
import { makeConnector } from '../net/connectors/index.js';
import { makeResolver } from '../net/resolvers/index.js';
import { makeDatagramConnector } from '../net/datagram/index.js';
import type { Connector, DatagramConnector, Resolver } from '../net/types.js';
import { InlineExecutor, type Executor } from './executor.js';
import { probeSetup, type ProbeSetup } from './jobs.js';
import { WorkerPool, type PoolOptions } from './pool.js';

export interface VantageTransport {
  vantage: Vantage;
  resolver: Resolver;
  connector: Connector;
  datagrams: DatagramConnector;
}

export interface Transports {
  vantages: Map<string, VantageTransport>;
  control: Resolver;
  /** Runs probes, control lookups and diagnosis. */
  executor: Executor;
}

/**
 * Probe workers for a config: `schedule.workers`, or by default one per core but the
 * coordinator's. On two cores and fewer none: measured there (docs/performance.md), a worker
 * only adds its own memory and messaging, since one core already keeps up with a schedule and
 * the coordinator's thread is then as busy probing as a worker would be.
 */
export function workerCount(config: Pick<Config, 'schedule'>, cores = availableParallelism()): number {
  return config.schedule.workers ?? (cores <= 2 ? 0 : cores - 1);
}

/** Releases what transports hold open (DoH connection pools, probe workers). */
export async function closeTransports(t: Transports): Promise<void> {
  await Promise.allSettled([t.executor.close(), ...[t.control, ...[...t.vantages.values()].map((v) => v.resolver)].map((r) => r.close?.())]);
}

/**
 * Transports for a config (or a worker's probe settings). With `workers` > 0 the network
 * work runs in that many probe workers; with 0 it runs in this thread.
 */
export function makeTransports(config: Config | ProbeSetup, opts: { workers?: number } & PoolOptions = {}): Transports {
  const setup = 'schedule' in config ? probeSetup(config) : config;
  const vantages = new Map<string, VantageTransport>();
  for (const vantage of setup.vantages) {
    const connector = makeConnector(vantage);
    const resolver = makeResolver(vantage.resolver, connector, setup.tls.extraCA, {
      replyWindowMs: setup.limits.dnsReplyWindowMs,
      localAddress: vantage.localAddress,
    });
    vantages.set(vantage.id, { vantage, connector, resolver, datagrams: makeDatagramConnector(vantage) });
  }
  // The trusted resolver is reached from the host's own network.
  const direct = makeConnector({});
  const control = makeResolver(setup.control.resolver, direct, setup.tls.extraCA, { replyWindowMs: setup.limits.dnsReplyWindowMs });
  const workers = opts.workers ?? ('schedule' in config ? workerCount(config) : 0);
  const executor = workers > 0 ? new WorkerPool(setup, workers, opts) : new InlineExecutor(setup, { vantages, control });
  return { vantages, control, executor };
}
