/**
 * One STUN Binding transaction over a datagram channel, retransmitted on RFC 8489 §6.2.1's
 * schedule and bounded by the probe's signal, recorded as a UdpExchange. Never throws.
 */
import type { FailureString, UdpExchange, UdpReply } from '../../model/index.js';
import { whenAborted } from '../abort.js';
import { now, seconds, since } from '../clock.js';
import { stunErrorFailure, toFailure } from '../errors.js';
import type { DatagramChannel } from '../types.js';
import { bindingRequest, newTransactionId, readResponse, type RequestOptions } from './message.js';

/**
 * RFC 8489 §6.2.1 defaults: RTO 500 ms, doubled after each send; Rc = 7 sends; after the last,
 * wait Rm = 16 × RTO. Sends go out at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s; the transaction
 * fails at 39.5 s, unless the probe's deadline ends it first.
 */
export const STUN_RTO_MS = 500;
export const STUN_RC = 7;
export const STUN_RM = 16;

/** Datagrams recorded per transaction; more are only counted (a flood costs no memory). */
export const MAX_RECORDED_REPLIES = 16;

export interface BindingOptions extends RequestOptions {
  signal: AbortSignal;
  /** Time origin of the measurement (performance.now() ms), for t0/t. */
  origin: number;
  rtoMs?: number;
  sends?: number;
  lastWaitRtos?: number;
  maxReplies?: number;
  transactionId?: Buffer;
}

/** A transaction's record before anything was sent: what a path that could not open records too. */
export function blankExchange(address: string, t0: number): UdpExchange {
  return { address, protocol: 'stun', sent: 0, replies: [], replies_dropped: 0, mapped_address: null, rtt: null, failure: null, t0, t: t0 };
}

/** When send k (0-based) goes out, in ms after the first: RTO × (2^k − 1). */
export function sendOffsetMs(k: number, rtoMs: number): number {
  return rtoMs * (2 ** k - 1);
}

export function stunBinding(channel: DatagramChannel, opts: BindingOptions): Promise<UdpExchange> {
  const rto = opts.rtoMs ?? STUN_RTO_MS;
  const sends = opts.sends ?? STUN_RC;
  const lastWait = (opts.lastWaitRtos ?? STUN_RM) * rto;
  const cap = opts.maxReplies ?? MAX_RECORDED_REPLIES;
  const txid = opts.transactionId ?? newTransactionId();
  const request = bindingRequest(txid, { software: opts.software, fingerprint: opts.fingerprint });

  const exchange = blankExchange(channel.remote, since(opts.origin));

  return new Promise<UdpExchange>((resolve) => {
    const start = now();
    let lastSend = start;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let detach = (): void => {};

    const settle = (failure: FailureString | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      detach();
      exchange.failure = failure;
      exchange.t = since(opts.origin);
      resolve(exchange);
    };

    // Timers are set against the first send, so drift does not add up over seven sends.
    const sendNext = (): void => {
      if (settled) return;
      lastSend = now();
      exchange.sent++;
      channel.send(request);
      const k = exchange.sent;
      const wait = k < sends ? start + sendOffsetMs(k, rto) - now() : start + sendOffsetMs(k - 1, rto) + lastWait - now();
      timer = setTimeout(k < sends ? sendNext : () => settle('generic_timeout_error'), Math.max(0, wait));
    };

    channel.onMessage((msg, from) => {
      if (settled) return;
      const at = now();
      const reading = readResponse(msg, txid);
      const reply: UdpReply = { t: since(opts.origin), from, bytes: msg.length, kind: reading.kind };
      if (exchange.replies.length < cap) exchange.replies.push(reply);
      else exchange.replies_dropped++;
      if (reading.kind === 'other') return;
      exchange.rtt = seconds(lastSend, at);
      if (reading.kind === 'binding_success') {
        exchange.mapped_address = reading.mapped;
        settle(null);
      } else settle(stunErrorFailure(reading.code));
    });
    // ICMP port unreachable arrives as ECONNREFUSED; a proxy's dead association as its own error.
    channel.onError((err) => settle(toFailure(err, 'read').failure));
    detach = whenAborted(opts.signal, (reason) => settle(toFailure(reason, 'read').failure));
    sendNext();
  });
}
