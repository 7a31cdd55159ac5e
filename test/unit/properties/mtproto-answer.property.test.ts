// Properties of the MTProto answer reader over untrusted bytes: the documentation's resPQ sample, framed in
// each transport and bent out of shape, or random bytes, fed whole or in pieces: it never throws, stays within
// its byte cap, and calls only an untouched resPQ with our nonce a res_pq.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerReader, FRAMINGS, frame, parseResPq, readPacket, readPlainMessage, type Answer } from '../../../src/net/mtproto/index.js';
import { mutate, mutation } from '../../support/arbitrary.js';

// samples-auth_key, step 2: the resPQ message (auth_key_id, message_id, length, body).
const SAMPLE = Buffer.from(
  '0000000000000000' + '01D83175503DC565' + 'A8000000' + '63241605' + '406709F612FADFBEC3F0289D0AA67EEF' + 'E11DBC3BC97D91A26154F932AF019943' +
    '08256595EDB7766797000000' + '15C4B51C' + '03000000' + 'A5B7F709355FC30B' + '216BE86C022BB4C3' + '85FD64DE851D9DD0',
  'hex',
);
const NONCE = SAMPLE.subarray(24, 40);

/** Feeds `wire` to a reader in chunks cut at `cuts`, as readUntil would (all bytes so far each time). */
function feed(r: AnswerReader, wire: Buffer, cuts: number[]): Answer | null {
  const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b).concat(wire.length);
  for (const p of points) {
    const a = r.take(wire.subarray(0, p));
    if (a) return a;
  }
  return null;
}

describe('MTProto answers from a hostile peer', () => {
  it('never throws on a framed resPQ bent out of shape, and says res_pq only for a well-formed resPQ with our nonce', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FRAMINGS), mutation, fc.array(fc.nat(), { maxLength: 5 }), (framing, m, cuts) => {
        const wire = mutate(frame(framing, SAMPLE, Buffer.alloc(0)), m);
        const a = feed(new AnswerReader(framing, NONCE, 4096), wire, cuts);
        if (a?.response === 'res_pq') {
          // Quick ACKs a mutation made are skipped by the reader: the payload is the last packet it took.
          let rest = wire;
          let payload: Buffer | null = null;
          for (let p = readPacket(framing, rest, 4096); p && 'packet' in p; p = readPacket(framing, rest, 4096)) {
            rest = rest.subarray(p.used);
            if (p.packet.kind === 'payload') {
              payload = p.packet.payload;
              break;
            }
          }
          const msg = readPlainMessage(payload ?? Buffer.alloc(0));
          const res = msg.ok ? parseResPq(msg.value.body) : null;
          expect(res?.ok && res.value.nonce.equals(NONCE)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes and never reads one past its cap undecided', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FRAMINGS), fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 5 }), (framing, bytes, cuts) => {
        const r = new AnswerReader(framing, NONCE, 256);
        const a = feed(r, Buffer.from(bytes), cuts);
        if (a === null) expect(r.received).toBeLessThanOrEqual(256);
        if (a?.response === 'res_pq') expect.unreachable('random bytes carried our nonce');
      }),
      { numRuns: 500 },
    );
  });

  it('takes the untouched sample, in any pieces, as a resPQ with our nonce and its three fingerprints', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FRAMINGS), fc.array(fc.nat(), { maxLength: 8 }), (framing, cuts) => {
        const a = feed(new AnswerReader(framing, NONCE, 4096), frame(framing, SAMPLE, Buffer.alloc(0)), cuts);
        expect(a).toEqual({ response: 'res_pq', detail: { pq: '2694724800268887959', fingerprints: ['a5b7f709355fc30b', '216be86c022bb4c3', '85fd64de851d9dd0'] } });
      }),
      { numRuns: 100 },
    );
  });
});
