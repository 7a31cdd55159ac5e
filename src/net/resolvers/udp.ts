/** DNS over UDP: a fresh socket per query, listening on after the first reply to catch injected replies. */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DnsQuery, QueryType } from '../../model/index.js';
import type { QueryOptions, Resolver } from '../types.js';
import { whenAborted } from '../abort.js';
import { since } from '../clock.js';
import { toFailure } from '../errors.js';
import { blankQuery, decodeReply, encodeQuery, randomId, replyFailure, toReply } from './wire.js';

/** Larger datagrams are not DNS answers we asked for (EDNS0 buffers are commonly 4096). */
export const UDP_REPLY_CAP = 4096;

export interface UdpResolverOptions {
  /** How long to keep listening after the first valid reply (limits.dnsReplyWindowMs). */
  replyWindowMs: number;
  localAddress?: string;
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

    return new Promise<DnsQuery>((resolve) => {
      let windowTimer: NodeJS.Timeout | undefined;
      let detach = (): void => {};
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        if (windowTimer) clearTimeout(windowTimer);
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
        q.t = since(qopts.origin);
        resolve(q);
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
        q.replies.push(toReply(r, since(qopts.origin), from));
        if (!counted) {
          // The first well-formed reply counts; an injector's forged reply usually wins this race.
          counted = true;
          q.rcode = r.rcode;
          q.answers = r.answers;
          q.failure = replyFailure(r, type);
          if (this.opts.replyWindowMs <= 0) finish();
          else windowTimer = setTimeout(finish, this.opts.replyWindowMs);
        }
      });
      sock.on('error', (err) => finish(err));
      detach = whenAborted(qopts.signal, (reason) => finish(reason));
      if (qopts.signal.aborted) return;

      const packet = encodeQuery(hostname, type, id);
      const send = (): void => {
        sock.send(packet, this.port, this.host, (err) => {
          if (err) finish(err);
        });
      };
      if (this.opts.localAddress) sock.bind({ address: this.opts.localAddress, port: 0 }, send);
      else send();
    });
  }
}
