/** DNS over HTTPS (RFC 8484 POST, application/dns-message) with undici, connecting through the vantage's connector. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Agent, Dispatcher } from 'undici';
import type { DnsQuery, QueryType } from '../../model/index.js';
import type { Connector, QueryOptions, Resolver } from '../types.js';
import { deadline } from '../deadline.js';
import { raceAbort, whenAborted } from '../abort.js';
import { since } from '../clock.js';
import { NetError, toFailure } from '../errors.js';
import { trustContext } from '../trust.js';
import { acceptReply, blankQuery, decodeReply, encodeQuery, toReply } from './wire.js';

export const DOH_REPLY_CAP = 65_536;
const DNS_MESSAGE = 'application/dns-message';
/** How long opening a connection to the DoH server may take, independent of any one query. */
const CONNECT_TIMEOUT_MS = 10_000;

type Body = Dispatcher.ResponseData['body'];

/**
 * Drops a body unread. undici's body emits 'error' (RequestAbortedError) when destroyed before
 * its end; with no listener that is an uncaught exception, which would end the daemon.
 */
function discard(body: Body): void {
  body.on('error', () => {});
  body.destroy();
}

/** Reads a response body up to `cap` bytes; more is dns_server_misbehaving. */
async function readCapped(body: Body, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Buffer).length;
    if (n > cap) {
      discard(body);
      throw new NetError('dns_server_misbehaving', 'DoH reply over the size cap', 'BW_DNS_TOO_LARGE');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, n);
}

export class DohResolver implements Resolver {
  readonly address: string;
  private readonly url: URL;
  /** undici is loaded only by a process that has a DoH resolver, from the moment it is made. */
  private readonly agent: Promise<Agent>;
  /** Aborts connections still being opened when the resolver is closed. */
  private readonly closing = new AbortController();

  constructor(
    url: string,
    private readonly connector: Connector,
    private readonly extraCA: readonly string[],
  ) {
    this.address = url;
    this.url = new URL(url);
    // Started now, not at the first query: loading a module is no part of a query's deadline.
    this.agent = import('undici').then(({ Agent }) => this.makeAgent(Agent));
  }

  private makeAgent(Agent: typeof import('undici').Agent): Agent {
    const connector = this.connector;
    const secureContext = trustContext(this.extraCA);
    return new Agent({
      connections: 4,
      // The connection is opened by the vantage's connector, so a control vantage's proxy carries DoH too.
      connect: (opts, cb) => {
        const limit = deadline(CONNECT_TIMEOUT_MS, this.closing.signal);
        const signal = limit.signal;
        const host = opts.hostname.replace(/^\[|\]$/g, '');
        const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
        const addr = isIP(host) ? Promise.resolve(host) : lookup(host).then((a) => a.address);
        addr
          .then((ip) => connector.connect(ip, port, { signal }))
          .then((sock) => {
            if (opts.protocol !== 'https:') {
              limit.dispose();
              return cb(null, sock);
            }
            const tls = tlsConnect({
              socket: sock,
              // The name (or address) the certificate is checked against.
              host,
              servername: isIP(host) ? undefined : host,
              secureContext,
              ALPNProtocols: ['http/1.1'],
            });
            const detach = whenAborted(signal, (reason) => tls.destroy(reason as Error));
            tls.once('secureConnect', () => {
              detach();
              limit.dispose();
              cb(null, tls);
            });
            tls.once('error', (err) => {
              detach();
              limit.dispose();
              cb(err, null);
            });
          })
          .catch((err: Error) => {
            limit.dispose();
            cb(err, null);
          });
      },
    });
  }

  async query(hostname: string, type: QueryType, opts: QueryOptions): Promise<DnsQuery> {
    const q = blankQuery(hostname, type, 'doh', this.address, since(opts.origin));
    try {
      // The pool may be busy connecting to a server that never finishes its handshake: the
      // query's own deadline ends the wait whatever undici does with the queued request.
      const pending = this.agent.then((agent) => agent.request({
        origin: this.url.origin,
        path: this.url.pathname + this.url.search,
        method: 'POST',
        headers: { 'content-type': DNS_MESSAGE, accept: DNS_MESSAGE },
        // RFC 8484 §4.1: id 0 in DoH.
        body: encodeQuery(hostname, type, 0),
        signal: opts.signal,
      }));
      const res = await raceAbort(pending, opts.signal, (late) => discard(late.body));
      if (res.statusCode !== 200) {
        discard(res.body);
        throw new NetError('dns_server_misbehaving', `DoH server answered HTTP ${res.statusCode}`, 'BW_DOH_STATUS');
      }
      // RFC 8484 §4.2.1: the reply is application/dns-message. Anything else (a captive portal's
      // HTML, a censor's page) is not an answer, whatever its bytes would decode to.
      const contentType = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (contentType !== DNS_MESSAGE) {
        discard(res.body);
        throw new NetError('dns_server_misbehaving', 'DoH reply is not application/dns-message', 'BW_DOH_TYPE');
      }
      // A declared length past the cap is refused before a byte of the body is read.
      if (Number(res.headers['content-length'] ?? 0) > DOH_REPLY_CAP) {
        discard(res.body);
        throw new NetError('dns_server_misbehaving', 'DoH reply over the size cap', 'BW_DNS_TOO_LARGE');
      }
      const r = decodeReply(await readCapped(res.body, DOH_REPLY_CAP));
      q.replies.push(toReply(r, since(opts.origin)));
      acceptReply(q, r, type);
    } catch (err) {
      q.failure = toFailure(err, 'resolve').failure;
    }
    q.t = since(opts.origin);
    return q;
  }

  /** Drops the pooled connections and any still opening (on reload or shutdown): queries in flight end as interrupted. */
  close(): Promise<void> {
    this.closing.abort(new Error('resolver closed'));
    return this.agent.then((a) => a.destroy());
  }
}
