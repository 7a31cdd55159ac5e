/**
 * DNS over UDP: a fresh connected socket per query (only the resolver's own replies arrive),
 * listening on after the first reply to catch injected ones, asking again over TCP when a
 * reply is truncated.
 */
import { isIPv6 } from 'node:net';
import type { DnsQuery, QueryType } from '../../model/index.js';
import type { Connector, DatagramChannel, QueryOptions, Resolver } from '../types.js';
import { DirectConnector } from '../connectors/direct.js';
import { openUdp } from '../datagram/direct.js';
import { since } from '../clock.js';
import { toFailure } from '../errors.js';
import { TcpResolver } from './tcp.js';
import { acceptReply, blankQuery, decodeReply, encodeQuery, randomId, toReply, type ParsedReply } from './wire.js';

/** Larger datagrams are not DNS answers we asked for (EDNS0 buffers are commonly 4096). */
export const UDP_REPLY_CAP = 4096;
/** Replies kept per query; an injector sends one or two, a flood thousands (counted in replies_dropped). */
export const MAX_REPLIES_KEPT = 16;

export interface UdpResolverOptions {
  /** How long to keep listening after the first valid reply (limits.dnsReplyWindowMs). */
  replyWindowMs: number;
  localAddress?: string;
  /** Resend the query when no reply came for this long, as stub resolvers do; default 1000 ms. */
  retransmitMs?: number;
  /** How a truncated reply is asked again over TCP; default a direct connection (from localAddress). */
  tcpFallback?: Connector;
}

/** Sends of one query at most (the first and two retransmissions). */
const MAX_SENDS = 3;

/**
 * Queries whose socket still listens for late (injected) replies after the
 * first one answered. The probe goes on at once, so its dns phase is the real
 * one; whoever reads `replies` awaits `repliesSettled` first.
 */
const lingering = new WeakMap<DnsQuery, Promise<void>>();

/** Resolves once no more replies can be added to the query. */
export function repliesSettled(q: DnsQuery): Promise<void> {
  return lingering.get(q) ?? Promise.resolve();
}

export class UdpResolver implements Resolver {
  readonly address: string;
  private readonly tcp: TcpResolver;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly opts: UdpResolverOptions,
  ) {
    this.address = `udp://${isIPv6(host) ? `[${host}]` : host}:${port}`;
    this.tcp = new TcpResolver(host, port, opts.tcpFallback ?? new DirectConnector(opts.localAddress));
  }

  query(hostname: string, type: QueryType, qopts: QueryOptions): Promise<DnsQuery> {
    const q = blankQuery(hostname, type, 'udp', this.address, since(qopts.origin));
    const id = randomId();
    const wantName = hostname.toLowerCase().replace(/\.$/, '');
    let wrongId = 0;
    let malformed = 0;
    let counted = false;
    let fallback = false;

    let settle = (): void => {};
    lingering.set(q, new Promise<void>((r) => (settle = r)));
    return new Promise<DnsQuery>((resolve) => {
      let channel: DatagramChannel | null = null;
      let windowTimer: NodeJS.Timeout | undefined;
      let resendTimer: NodeJS.Timeout | undefined;
      let done = false;
      const onAbort = (): void => finish(qopts.signal.reason);
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        if (windowTimer) clearTimeout(windowTimer);
        if (resendTimer) clearTimeout(resendTimer);
        qopts.signal.removeEventListener('abort', onAbort);
        channel?.close();
        if (!counted) {
          // What was heard explains a silence better than the deadline that ended it.
          if (wrongId > 0) q.failure = 'dns_reply_with_wrong_query_id';
          else if (malformed > 0) q.failure = 'dns_server_misbehaving';
          else q.failure = toFailure(err, 'resolve').failure;
          q.t = since(qopts.origin);
        }
        resolve(q);
        settle();
      };
      /** The reply that counts: answer now, keep listening for the window, recording any further reply. */
      const count = (r: ParsedReply, at: number): void => {
        counted = true;
        acceptReply(q, r, type);
        q.t = at;
        if (resendTimer) clearTimeout(resendTimer);
        if (this.opts.replyWindowMs <= 0) return finish();
        resolve(q);
        windowTimer = setTimeout(finish, this.opts.replyWindowMs);
      };
      const keep = (r: ParsedReply, at: number, from: string, transport?: 'tcp'): void => {
        if (q.replies.length >= MAX_REPLIES_KEPT) {
          q.replies_dropped = (q.replies_dropped ?? 0) + 1;
          return;
        }
        const reply = toReply(r, at, from);
        if (transport) reply.transport = transport;
        q.replies.push(reply);
      };
      /** TC set: the answer is asked again over TCP, to the same server, under the same deadline. */
      const askOverTcp = (): void => {
        fallback = true;
        if (resendTimer) clearTimeout(resendTimer);
        this.tcp.exchange(hostname, type, qopts.signal).then(
          (r) => {
            if (done || counted) return;
            const at = since(qopts.origin);
            keep(r, at, this.tcp.address, 'tcp');
            count(r, at);
          },
          (err: unknown) => finish(err),
        );
      };
      const onMessage = (msg: Buffer, from: string): void => {
        if (done) return;
        if (msg.length > UDP_REPLY_CAP) {
          malformed++;
          return;
        }
        let r: ParsedReply;
        try {
          r = decodeReply(msg);
        } catch {
          malformed++;
          return;
        }
        if (r.id !== id || (r.question !== null && r.question.replace(/\.$/, '') !== wantName)) {
          wrongId++;
          return;
        }
        const at = since(qopts.origin);
        keep(r, at, from);
        if (counted || fallback) return;
        // The first well-formed reply counts; an injector's forged reply usually wins this race.
        if (r.truncated) askOverTcp();
        else count(r, at);
      };

      if (qopts.signal.aborted) return finish(qopts.signal.reason);
      qopts.signal.addEventListener('abort', onAbort, { once: true });
      const packet = encodeQuery(hostname, type, id);
      const retransmitMs = this.opts.retransmitMs ?? 1000;
      let sends = 0;
      // A lost datagram is not censorship: resend the same query (same id, same socket).
      const send = (): void => {
        if (done || counted || fallback || !channel) return;
        sends++;
        channel.send(packet);
        if (sends < MAX_SENDS) resendTimer = setTimeout(send, retransmitMs);
      };
      // A fresh socket (fresh source port) per query: some censors block a client port after a hit.
      openUdp(this.host, this.port, qopts.signal, this.opts.localAddress).then(
        (ch) => {
          if (done) return ch.close();
          channel = ch;
          ch.onMessage(onMessage);
          ch.onError((err) => finish(err));
          send();
        },
        (err: unknown) => finish(err),
      );
    });
  }
}
