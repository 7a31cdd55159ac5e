/**
 * fast-check generators for untrusted bytes: random bytes, and well-formed DNS replies and protocol
 * messages bent out of shape (bytes flipped, cut short, lengths lying), which reach deeper into a
 * parser than random bytes do.
 */
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import { FAILURES, PROXY_REFUSED, type FailureString } from '../../src/model/index.js';

/** A failure from OONI's closed vocabulary, or a proxy's refusal (the vantage's own path): never a bare unknown_failure. */
export function isNamedFailure(f: FailureString | null): boolean {
  return f === null || (FAILURES as readonly string[]).includes(f) || f.startsWith(PROXY_REFUSED);
}

/** How to bend a message: flip some bytes, then cut it (or pad it with junk). */
export interface Mutation {
  flips: Array<{ at: number; value: number }>;
  cut: number | null;
  tail: Uint8Array;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: null }),
  tail: fc.uint8Array({ maxLength: 64 }),
});

export function mutate(buf: Buffer, m: Mutation): Buffer {
  const out = Buffer.from(buf);
  for (const f of m.flips) if (out.length > 0) out[f.at % out.length] = f.value;
  const cut = m.cut === null ? out : out.subarray(0, m.cut % (out.length + 1));
  return Buffer.concat([cut, Buffer.from(m.tail)]);
}

/** What a hostile resolver answers one query with. */
export type ReplySpec =
  | { kind: 'bytes'; bytes: Uint8Array; keepId: boolean }
  | { kind: 'mutated'; answers: number; cname: boolean; rcode: number; tc: boolean; m: Mutation };

export const replySpec: fc.Arbitrary<ReplySpec> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 700 }), keepId: fc.boolean() }),
  fc.record({
    kind: fc.constant('mutated' as const),
    answers: fc.integer({ min: 0, max: 60 }),
    cname: fc.boolean(),
    rcode: fc.integer({ min: 0, max: 15 }),
    tc: fc.boolean(),
    m: mutation,
  }),
);

/** The reply a spec makes for query `q`: random bytes (optionally carrying q's id), or a real reply bent by a mutation. */
export function buildReply(spec: ReplySpec, q: dnsPacket.DecodedPacket): Buffer {
  if (spec.kind === 'bytes') {
    const b = Buffer.from(spec.bytes);
    // With the query's id and the QR bit the bytes get past the id check into the decoder.
    if (spec.keepId && b.length >= 3) {
      b.writeUInt16BE(q.id ?? 0, 0);
      b[2] |= 0x80;
    }
    return b;
  }
  const name = q.questions?.[0]?.name ?? 'x.test';
  const type = q.questions?.[0]?.type ?? 'A';
  const answers: dnsPacket.Answer[] = [];
  if (spec.cname) answers.push({ type: 'CNAME', name, ttl: 60, data: `alias.${name}` });
  for (let i = 0; i < spec.answers; i++) {
    answers.push(type === 'AAAA' ? { type: 'AAAA', name, ttl: 60, data: `2001:db8::${i + 1}` } : { type: 'A', name, ttl: 60, data: `192.0.2.${i + 1}` });
  }
  const reply = dnsPacket.encode({
    type: 'response',
    id: q.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (spec.tc ? dnsPacket.TRUNCATED_RESPONSE : 0) | spec.rcode,
    questions: q.questions ?? [],
    answers,
  });
  return mutate(reply, spec.m);
}
