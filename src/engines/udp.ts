/** The udp engine: a STUN Binding request (RFC 8489) to every address of a call relay; ok if any answers. */
import type { Measurement, UdpTarget } from '../model/index.js';
import { finish, resolveInto } from './dial.js';
import { fail, newMeasurement } from './measurement.js';
import { stunStep } from './stun-step.js';
import type { Engine } from './types.js';

export const udpEngine: Engine<UdpTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  m.udp_exchanges = [];
  const addrs = await resolveInto(m, target.host, ctx, started);
  if (addrs.length > 0) {
    // Every address at once, under the one deadline: a transaction retransmits for up to 39.5 s,
    // so in turn a blackholed first address would use up the probe and hide the others, and
    // blocking often hits some of a service's addresses and not others.
    const results = await Promise.all(addrs.map((ip) => stunStep(ip, target.port, ctx, started)));
    m.udp_exchanges.push(...results.map((r) => r.exchange));
    // A Binding error response answers too: the relay is reachable, which is what a call needs
    // first (the exchange keeps its stun_error failure as evidence).
    const answered = results.find((r) => r.exchange.failure === null) ?? results.find((r) => r.exchange.rtt !== null);
    if (answered?.exchange.rtt != null) m.timings.ttfb = answered.exchange.rtt;
    if (!answered) fail(m, results[0].exchange.failure ?? 'generic_timeout_error', results[0].operation ?? 'read');
  }
  return finish(m, started);
};
