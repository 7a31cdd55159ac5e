/** DNS over TCP (RFC 1035 §4.2.2 framing: a 2-byte length before each message), through the vantage's connector. */
import type { Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import type { DnsQuery, QueryType } from '../../model/index.js';
import type { Connector, QueryOptions, Resolver } from '../types.js';
import { whenAborted } from '../abort.js';
import { since } from '../clock.js';
import { NetError, toFailure } from '../errors.js';
import { acceptReply, blankQuery, decodeReply, encodeQuery, randomId, toReply, type ParsedReply } from './wire.js';

/** A TCP DNS message cannot exceed 65,535 bytes; nothing more is read. */
export const TCP_REPLY_CAP = 65_535;

/** Reads one length-prefixed message from the socket, capped and bound to the signal. */
export function readFramed(sock: Socket, signal: AbortSignal, cap = TCP_REPLY_CAP): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    let want = -1;
    let detach = (): void => {};
    const done = (err: unknown, buf?: Buffer): void => {
      detach();
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onError);
      if (buf) resolve(buf);
      else reject(err);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      have += chunk.length;
      if (have > cap + 2) return done(new NetError('dns_server_misbehaving', 'DNS reply over the size cap', 'BW_DNS_TOO_LARGE'));
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (want < 0 && all.length >= 2) want = all.readUInt16BE(0);
      if (want >= 0 && all.length >= want + 2) done(null, all.subarray(2, 2 + want));
    };
    const onEnd = (): void => done(new NetError('eof_error', 'connection closed before the DNS reply was complete', 'BW_EOF'));
    const onError = (err: Error): void => done(err);
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('error', onError);
    detach = whenAborted(signal, (reason) => done(reason));
  });
}

export class TcpResolver implements Resolver {
  readonly address: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connector: Connector,
  ) {
    this.address = `tcp://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  }

  /** One query over a fresh connection: the reply, or a thrown error (wrong id included). */
  async exchange(hostname: string, type: QueryType, signal: AbortSignal): Promise<ParsedReply> {
    const id = randomId();
    let sock: Socket | undefined;
    try {
      sock = await this.connector.connect(this.host, this.port, { signal });
      const msg = encodeQuery(hostname, type, id);
      const framed = Buffer.allocUnsafe(msg.length + 2);
      framed.writeUInt16BE(msg.length, 0);
      msg.copy(framed, 2);
      sock.write(framed);
      const r = decodeReply(await readFramed(sock, signal));
      if (r.id !== id) throw new NetError('dns_reply_with_wrong_query_id', 'DNS reply with another id', 'BW_DNS_WRONG_ID');
      return r;
    } finally {
      sock?.destroy();
    }
  }

  async query(hostname: string, type: QueryType, opts: QueryOptions): Promise<DnsQuery> {
    const q = blankQuery(hostname, type, 'tcp', this.address, since(opts.origin));
    try {
      const r = await this.exchange(hostname, type, opts.signal);
      q.replies.push(toReply(r, since(opts.origin)));
      acceptReply(q, r, type);
    } catch (err) {
      q.failure = toFailure(err, 'resolve').failure;
    }
    q.t = since(opts.origin);
    return q;
  }
}
