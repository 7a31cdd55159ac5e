/**
 * Route lookups: asks the host's own stack whether it can send towards an address,
 * without sending anything. connect(2) on a UDP socket only looks the route up, so
 * an interface that is down or a route that is gone shows here as network_unreachable
 * while a network that drops everything further on does not. A route that goes out of an
 * interface with no carrier is still handed back (marked linkdown): its link state is read
 * too (net/link.ts), and no link is no route.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import type { FailureString } from '../model/index.js';
import { toRouteFailure } from './errors.js';
import { egressInterface, linkDown } from './link.js';

/** Any port: nothing is sent. 9 is the discard service (RFC 863). */
const PORT = 9;

/** Null when the host has a route to `ip` (from `localAddress`, when given); else the failure the stack reports. */
export function routeTo(ip: string, localAddress?: string): Promise<FailureString | null> {
  return new Promise((resolve) => {
    const family = isIP(ip);
    const sock = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    let done = false;
    const finish = (failure: FailureString | null): void => {
      if (done) return;
      done = true;
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(failure);
    };
    sock.on('error', (err) => finish(toRouteFailure(err)));
    const connect = (): void =>
      sock.connect(PORT, ip, (err?: Error) => {
        if (err) return finish(toRouteFailure(err));
        void egressInterface(ip)
          .then((dev) => (dev ? linkDown(dev) : false))
          .then((down) => finish(down ? toRouteFailure(Object.assign(new Error(`no carrier on the route's interface`), { code: 'ENETDOWN' })) : null));
      });
    if (localAddress) sock.bind({ address: localAddress, port: 0 }, connect);
    else connect();
  });
}
