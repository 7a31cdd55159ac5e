/** The tcp engine: connects to every address a name resolves to (IPv4 and IPv6); ok if any accepts. */
import type { Measurement, TcpTarget } from '../model/index.js';
import { finish, resolveInto } from './dial.js';
import { fail, newMeasurement } from './measurement.js';
import { connectStep } from './steps.js';
import type { Engine } from './types.js';

export const tcpEngine: Engine<TcpTarget> = async (target, ctx): Promise<Measurement> => {
  const started = performance.now();
  const m = newMeasurement(target, ctx);
  const addrs = await resolveInto(m, target.host, ctx, started);
  if (addrs.length > 0) {
    const c0 = performance.now();
    // Every address on its own: blocking often hits some of a service's addresses and not others.
    // A connected socket is closed at once: holding it while slower addresses settle only gives
    // its peer time to reset it.
    const results = await Promise.all(
      addrs.map((ip) =>
        connectStep(ip, target.port, ctx, started).then((r) => {
          r.socket?.destroy();
          return r;
        }),
      ),
    );
    m.timings.connect = (performance.now() - c0) / 1000;
    for (const r of results) m.tcp_connect.push(r.record);
    if (!results.some((r) => r.record.status.success)) {
      fail(m, results[0].record.status.failure ?? 'generic_timeout_error', 'connect');
    }
  }
  return finish(m, started);
};
