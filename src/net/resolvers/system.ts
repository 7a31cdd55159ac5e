/** The system resolver: getaddrinfo through dns.lookup, as the host's applications resolve. */
import { lookup, type LookupAddress } from 'node:dns';
import type { DnsQuery, QueryType } from '../../model/index.js';
import type { QueryOptions, Resolver } from '../types.js';
import { raceAbort } from '../abort.js';
import { since } from '../clock.js';
import { toFailure } from '../errors.js';
import { blankQuery } from './wire.js';

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(hostname, { all: true, family: 0, order: 'verbatim' }, (err, addrs) => (err ? reject(err) : resolve(addrs)));
  });
}

export class SystemResolver implements Resolver {
  readonly address = 'system';
  // getaddrinfo answers both families at once; A and AAAA queries asked together share one call,
  // and a per-family lookup would report a missing AAAA as a missing name.
  private readonly inflight = new Map<string, Promise<LookupAddress[]>>();

  async query(hostname: string, type: QueryType, opts: QueryOptions): Promise<DnsQuery> {
    const q = blankQuery(hostname, type, 'getaddrinfo', this.address, since(opts.origin));
    let pending = this.inflight.get(hostname);
    if (!pending) {
      pending = lookupAll(hostname);
      this.inflight.set(hostname, pending);
      const forget = (): void => {
        if (this.inflight.get(hostname) === pending) this.inflight.delete(hostname);
      };
      pending.then(forget, forget);
    }
    try {
      const addrs = await raceAbort(pending, opts.signal);
      const family = type === 'A' ? 4 : 6;
      q.answers = addrs.filter((a) => a.family === family).map((a) => ({ answer_type: type, value: a.address, ttl: null }));
      q.rcode = 'NOERROR';
      q.failure = q.answers.length ? null : 'dns_no_answer';
    } catch (err) {
      q.failure = toFailure(err, 'resolve').failure;
      if (q.failure === 'dns_nxdomain_error') q.rcode = 'NXDOMAIN';
    }
    q.t = since(opts.origin);
    return q;
  }
}
