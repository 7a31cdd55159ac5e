/** DNS wire format: building queries and reading replies with dns-packet, shared by the UDP, TCP and DoH resolvers. */
import { randomInt } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import type { DnsAnswer, DnsQuery, DnsReply, QueryType } from '../../model/index.js';
import { NetError, rcodeFailure } from '../errors.js';

export function randomId(): number {
  return randomInt(0, 0x10000);
}

/** A recursive query for one name and type. `id` is 0 for DoH (RFC 8484 §4.1: cache friendly). */
export function encodeQuery(hostname: string, type: QueryType, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name: hostname }],
  });
}

/**
 * Address and CNAME records kept from one reply. A name has a handful of addresses; a reply
 * with hundreds would make every engine connect hundreds of times and every report huge.
 */
export const MAX_ANSWERS_KEPT = 32;

export interface ParsedReply {
  id: number;
  rcode: string;
  answers: DnsAnswer[];
  /** Records past MAX_ANSWERS_KEPT: counted, not kept. */
  answersDropped: number;
  /** Lower-cased question name, to match a reply to its query. */
  question: string | null;
  /** TC flag: the answer was cut to fit the datagram. */
  truncated: boolean;
}

/** An answer's data as the type says it must be; dns-packet reads short rdata into strings like "127.0.undefined.undefined". */
function validAnswer(type: string, data: unknown): boolean {
  if (type === 'A') return typeof data === 'string' && isIPv4(data);
  if (type === 'AAAA') return typeof data === 'string' && isIPv6(data);
  return typeof data === 'string' && data.length > 0 && data.length <= 255;
}

/** Decodes a reply; a packet that does not parse, or is not a response, is dns_server_misbehaving. */
export function decodeReply(buf: Buffer): ParsedReply {
  let p: ReturnType<typeof dnsPacket.decode> & { rcode?: string };
  try {
    p = dnsPacket.decode(buf);
  } catch (err) {
    throw new NetError('dns_server_misbehaving', 'malformed DNS reply', 'BW_DNS_MALFORMED', { cause: err });
  }
  if (!p.flag_qr) throw new NetError('dns_server_misbehaving', 'DNS packet is not a response', 'BW_DNS_MALFORMED');
  const answers: DnsAnswer[] = [];
  let answersDropped = 0;
  for (const a of p.answers ?? []) {
    if (a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') {
      if (!validAnswer(a.type, a.data)) throw new NetError('dns_server_misbehaving', `malformed ${a.type} record`, 'BW_DNS_MALFORMED');
      if (answers.length >= MAX_ANSWERS_KEPT) answersDropped++;
      else answers.push({ answer_type: a.type, value: a.data as string, ttl: typeof a.ttl === 'number' ? a.ttl : null });
    }
  }
  const q = p.questions?.[0];
  return { id: p.id ?? 0, rcode: p.rcode ?? 'NOERROR', answers, answersDropped, question: q ? q.name.toLowerCase() : null, truncated: Boolean(p.flag_tc) };
}

/** The failure a well-formed reply stands for: its rcode, or dns_no_answer when NOERROR carries no address. */
export function replyFailure(r: ParsedReply, type: QueryType): DnsQuery['failure'] {
  const f = rcodeFailure(r.rcode);
  if (f) return f;
  return r.answers.some((a) => a.answer_type === type) ? null : 'dns_no_answer';
}

export function toReply(r: ParsedReply, t: number, from?: string): DnsReply {
  const out: DnsReply = { rcode: r.rcode, answers: r.answers, t, id: r.id };
  if (from !== undefined) out.from = from;
  if (r.truncated) out.truncated = true;
  if (r.answersDropped > 0) out.answers_dropped = r.answersDropped;
  return out;
}

/** An empty query record, filled in by each resolver. */
export function blankQuery(hostname: string, type: QueryType, engine: DnsQuery['engine'], address: string, t0: number): DnsQuery {
  return { hostname, query_type: type, engine, resolver_address: address, answers: [], rcode: null, failure: null, replies: [], t0, t: t0 };
}

/** Makes a reply the one that counts for its query: rcode, answers and failure. */
export function acceptReply(q: DnsQuery, r: ParsedReply, type: QueryType): void {
  q.rcode = r.rcode;
  q.answers = r.answers;
  q.failure = replyFailure(r, type);
}
