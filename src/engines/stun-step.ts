/** One STUN Binding transaction to one address through the vantage's datagram connector, recorded whether it answers or not. */
import type { Operation, UdpExchange } from '../model/index.js';
import { hostPort } from '../model/index.js';
import { since } from '../net/clock.js';
import { toFailure } from '../net/errors.js';
import { blankExchange, stunBinding } from '../net/stun/index.js';
import type { DatagramChannel } from '../net/types.js';
import type { ProbeContext } from './types.js';

type StepContext = Pick<ProbeContext, 'datagrams' | 'signal'>;

export interface StunStepResult {
  exchange: UdpExchange;
  /** Where a failed exchange failed: opening the path (`connect`) or waiting for the answer (`read`). */
  operation: Operation | null;
}

export async function stunStep(ip: string, port: number, ctx: StepContext, origin: number): Promise<StunStepResult> {
  const t0 = since(origin);
  let channel: DatagramChannel;
  try {
    channel = await ctx.datagrams.open(ip, port, { signal: ctx.signal });
  } catch (err) {
    // No path (a proxy without UDP, a socket that could not open): nothing was sent.
    const exchange: UdpExchange = { ...blankExchange(hostPort(ip, port), t0), failure: toFailure(err, 'connect').failure, t: since(origin) };
    return { exchange, operation: 'connect' };
  }
  try {
    const exchange = await stunBinding(channel, { signal: ctx.signal, origin });
    return { exchange, operation: exchange.failure ? 'read' : null };
  } finally {
    channel.close();
  }
}
