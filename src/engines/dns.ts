/** The dns engine: asks the vantage's resolver for a name's A and AAAA records (or the target's types). */
import type { DnsTarget, Measurement } from '../model/index.js';
import { finish } from './dial.js';
import { addressesOf, fail, newMeasurement, resolveFailure } from './measurement.js';
import { resolveStep } from './steps.js';
import type { Engine } from './types.js';

export const dnsEngine: Engine<DnsTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  m.queries = await resolveStep(target.host, ctx, started, target.queryTypes);
  m.timings.dns = (performance.now() - started) / 1000;
  // The name resolves if any query type answered an address; a missing AAAA alone is normal.
  if (addressesOf(m.queries).length === 0) fail(m, resolveFailure(m.queries), 'resolve');
  return finish(m, started);
};
