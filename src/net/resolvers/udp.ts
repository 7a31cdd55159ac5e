/** DNS over UDP: a fresh socket per query, listening on after the first reply to catch injected replies. */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DnsQuery, QueryType } from '../../model/index.js';
import type { QueryOptions, Resolver } from '../types.js';
import { whenAborted } from '../abort.js';
import { since } from '../clock.js';
import { toFailure } from '../errors.js';
import { acceptReply, blankQuery, decodeReply, encodeQuery, randomId, toReply } from './wire.js';

/** Larger datagrams are not DNS answers we asked for (EDNS0 buffers are commonly 4096). */
export const UDP_REPLY_CAP = 4096;

export interface UdpResolverOptions {
  /** How long to keep listening after the first valid reply (limits.dnsReplyWindowMs). */
  replyWindowMs: number;
  localAddress?: string;
  /** Resend the query when no reply came for this long, as stub resolvers do; default 1000 ms. */
  retransmitMs?: number;
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

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly opts: UdpResolverOptions,
  ) {
    this.address = `udp://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  }

  query(hostname: string, type: QueryType, qopts: QueryOptions): Promise<DnsQuery> {
    const q = blankQuery(hostname, type, 'udp', this.address, since(qopts.origin));
    const id = randomId();
    const wantName = hostname.toLowerCase().replace(/\.$/, '');
    // A fresh socket (fresh source port) per query: some censors block a client port after a hit.
    const sock = createSocket({ type: isIPv6(this.host) ? 'udp6' : 'udp4' });
    let wrongId = 0;
    let malformed = 0;
    let counted = false;

    let settle = (): void => {};
    lingering.set(q, new Promise<void>((r) => (settle = r)));
    return new Promise<DnsQuery>((resolve) => {
      let windowTimer: NodeJS.Timeout | undefined;
      let resendTimer: NodeJS.Timeout | undefined;
      let detach = (): void => {};
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        if (windowTimer) clearTimeout(windowTimer);
        if (resendTimer) clearTimeout(resendTimer);
        detach();
        sock.removeAllListeners('message');
        sock.on('error', () => {});
        try {
          sock.close();
        } catch {
          /* already closed */
        }
        if (!counted) {
          if (wrongId > 0) q.failure = 'dns_reply_with_wrong_query_id';
          else if (malformed > 0) q.failure = 'dns_server_misbehaving';
          else q.failure = toFailure(err, 'resolve').failure;
        }
        if (!counted) q.t = since(qopts.origin);
        resolve(q);
        settle();
      };

      sock.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
        if (msg.length > UDP_REPLY_CAP) {
          malformed++;
          return;
        }
        let r;
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
        const from = rinfo.family === 'IPv6' ? `[${rinfo.address}]:${rinfo.port}` : `${rinfo.address}:${rinfo.port}`;
        const at = since(qopts.origin);
        q.replies.push(toReply(r, at, from));
        if (!counted) {
          // The first well-formed reply counts; an injector's forged reply usually wins this race.
          counted = true;
          acceptReply(q, r, type);
          q.t = at;
          if (resendTimer) clearTimeout(resendTimer);
          if (this.opts.replyWindowMs <= 0) finish();
          else {
            // Answer now; keep listening for the window, recording any further reply.
            resolve(q);
            windowTimer = setTimeout(finish, this.opts.replyWindowMs);
          }
        }
      });
      sock.on('error', (err) => finish(err));
      detach = whenAborted(qopts.signal, (reason) => finish(reason));
      if (qopts.signal.aborted) return;

      const packet = encodeQuery(hostname, type, id);
      const retransmitMs = this.opts.retransmitMs ?? 1000;
      let sends = 0;
      // A lost datagram is not censorship: resend the same query (same id, same socket).
      const send = (): void => {
        if (done || counted) return;
        sends++;
        sock.send(packet, this.port, this.host, (err) => {
          if (err) finish(err);
        });
        if (sends < MAX_SENDS) resendTimer = setTimeout(send, retransmitMs);
      };
      if (this.opts.localAddress) sock.bind({ address: this.opts.localAddress, port: 0 }, send);
      else send();
    });
  }
}
