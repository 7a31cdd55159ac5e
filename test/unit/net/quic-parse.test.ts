// Hostile input to the QUIC parsers: random, truncated, mutated and oversized datagrams never throw and never pass as answers.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildClientHello,
  buildClientInitial,
  clientTransportParameters,
  cryptoFrame,
  CryptoStream,
  initialSecrets,
  parseDatagram,
  parseInitialFrames,
  QUIC_V1,
  RESERVED_VERSION,
  unprotectLong,
  type ConnectionView,
  type ServerPacket,
} from '../../../src/net/quic/index.js';
import { Reader, u32, u8, varint } from '../../../src/net/quic/wire.js';
import { handshakePacket, readClientInitial, serverHello, versionNegotiation } from '../../support/quic-scripted.js';
import { A3, A4, DCID } from '../../support/rfc9001-vectors.js';

const TYPES = new Set(['version_negotiation', 'retry', 'initial', 'handshake', 'other']);

function appendixClient(): ConnectionView {
  return { version: QUIC_V1, odcid: DCID, scid: Buffer.alloc(0), serverKeys: initialSecrets(DCID).server, largestPn: -1 };
}

/** Parses and checks the shape every result must have, whatever the input. */
function parse(dgram: Buffer, conn = appendixClient()): ServerPacket[] {
  const out = parseDatagram(dgram, conn);
  expect(out.length).toBeGreaterThan(0);
  expect(out.length).toBeLessThanOrEqual(16);
  for (const p of out) expect(TYPES.has(p.type)).toBe(true);
  return out;
}

const answers = (ps: ServerPacket[]) => ps.filter((p) => p.type === 'initial' || p.type === 'retry' || p.type === 'version_negotiation');

describe('parseDatagram never throws', () => {
  it('on random datagrams of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1500 }), (bytes) => {
        parse(Buffer.from(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('on random long headers with any version, connection ID lengths, token and Length varints', () => {
    const varintBytes = fc.oneof(
      fc.integer({ min: 0, max: 63 }).map((v) => varint(v)),
      fc.integer({ min: 0, max: 2 ** 30 - 1 }).map((v) => varint(v)),
      fc.constant(Buffer.from('ffffffffffffffff', 'hex')),
      fc.uint8Array({ minLength: 0, maxLength: 3 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0x80, max: 0xff }),
        fc.constantFrom(0, 1, RESERVED_VERSION, 0xff00001d),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        varintBytes,
        varintBytes,
        fc.uint8Array({ minLength: 0, maxLength: 1300 }),
        (first, version, dcidLen, scidLen, token, length, tail) => {
          const dgram = Buffer.concat([u8(first), u32(version), u8(dcidLen), randomBytes(Math.min(dcidLen, 24)), u8(scidLen), token, length, Buffer.from(tail)]);
          parse(dgram);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('on every truncation of a server Initial, a Retry, a Version Negotiation and a coalesced datagram', () => {
    const conn = appendixClient();
    const vn = versionNegotiation(Buffer.alloc(0), DCID, [RESERVED_VERSION]);
    const coalesced = Buffer.concat([A3.packet, handshakePacket(Buffer.alloc(0), A3.serverScid)]);
    for (const whole of [A3.packet, A4.packet, vn, coalesced]) {
      for (let n = 0; n < whole.length; n++) {
        const ps = parse(whole.subarray(0, n), { ...conn, largestPn: -1 });
        // A cut Initial fails authentication; a cut Retry fails its tag.
        if (whole === A3.packet || whole === A4.packet) expect(answers(ps)).toEqual([]);
      }
    }
  });

  it('on any one changed byte of the RFC server Initial, which then never passes as an answer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: A3.packet.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = Buffer.from(A3.packet);
        bad[at] ^= xor;
        expect(answers(parse(bad))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('on any one changed byte of the RFC Retry, which then never passes', () => {
    for (let at = 0; at < A4.packet.length; at++) {
      const bad = Buffer.from(A4.packet);
      bad[at] ^= 0x01;
      expect(answers(parse(bad))).toEqual([]);
    }
  });
});

describe('bounds', () => {
  it('a Length larger than the datagram is other, not a read past its end', () => {
    const dgram = Buffer.concat([u8(0xc0), u32(1), u8(0), u8(0), varint(0), Buffer.from('ffffffffffffffff', 'hex'), randomBytes(40)]);
    expect(parse(dgram)).toEqual([{ type: 'other', reason: 'packet longer than its datagram' }]);
  });

  it('a token length larger than the datagram is other', () => {
    const dgram = Buffer.concat([u8(0xc0), u32(1), u8(0), u8(0), varint(2 ** 30), randomBytes(40)]);
    expect(parse(dgram)).toEqual([{ type: 'other', reason: 'truncated: token' }]);
  });

  it('a connection ID longer than 20 bytes in a v1 packet is other', () => {
    const dgram = Buffer.concat([u8(0xc0), u32(1), u8(21), randomBytes(60)]);
    expect(parse(dgram)).toEqual([{ type: 'other', reason: 'connection ID longer than 20 bytes' }]);
  });

  it('keeps at most 64 versions from a Version Negotiation packet', () => {
    const conn = { ...appendixClient(), version: RESERVED_VERSION };
    const versions = Array.from({ length: 5000 }, (_, i) => 0x0a0a0a0a + i);
    const [p] = parse(versionNegotiation(Buffer.alloc(0), DCID, versions), conn);
    expect(p.type).toBe('version_negotiation');
    expect(p.type === 'version_negotiation' && p.versions).toEqual(versions.slice(0, 64));
  });

  it('reads at most 16 coalesced packets from one datagram', () => {
    const many = Buffer.concat(Array.from({ length: 200 }, () => handshakePacket(Buffer.alloc(0), A3.serverScid, 1)));
    const ps = parse(many);
    expect(ps).toHaveLength(16);
    expect(ps.every((p) => p.type === 'handshake')).toBe(true);
  });

  it('ignores zero padding after the last packet of a datagram', () => {
    expect(parse(Buffer.concat([A3.packet, Buffer.alloc(300)])).map((p) => p.type)).toEqual(['initial']);
  });
});

describe('frames and the CRYPTO stream', () => {
  it('parseInitialFrames never throws and never returns CRYPTO data outside the payload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        const payload = Buffer.from(bytes);
        const f = parseInitialFrames(payload);
        const total = f.crypto.reduce((n, c) => n + c.data.length, 0);
        expect(total).toBeLessThanOrEqual(payload.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('stops at a frame an Initial may not carry, keeping what came before', () => {
    const f = parseInitialFrames(Buffer.concat([cryptoFrame(0, Buffer.from('abc')), u8(0x08), randomBytes(20)]));
    expect(f.crypto).toEqual([{ offset: 0, data: Buffer.from('abc') }]);
    expect(f.malformed).toBe('frame type 0x8 not allowed in an Initial');
  });

  it('reassembles a message from chunks in any order, with duplicates', () => {
    const msg = serverHello();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: msg.length - 1 }), { maxLength: 8 }), fc.integer(), (cuts, seed) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), msg.length];
        const chunks = points.slice(1).map((end, i) => ({ offset: points[i], data: msg.subarray(points[i], end) }));
        const shuffled = [...chunks, chunks[0]].sort((a, b) => ((a.offset * 7919 + seed) % 13) - ((b.offset * 7919 + seed) % 13));
        const s = new CryptoStream();
        for (const c of shuffled) s.add(c.offset, c.data);
        expect(s.length).toBe(msg.length);
        expect(s.messages()).toEqual([2]);
      }),
      { numRuns: 500 },
    );
  });

  it('holds no more than its cap, whatever offsets a server claims', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 50 }), (chunks) => {
        const s = new CryptoStream(4096);
        s.add(0, Buffer.alloc(100, 1));
        for (const [offset, len] of chunks) s.add(offset % 8192, Buffer.alloc(len, 2));
        expect(s.length).toBeLessThanOrEqual(4096);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the client Initial for any name and ALPN list', () => {
  it('is at least 1200 bytes, decrypts with the client keys, and carries the SNI and ALPN', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        fc.option(fc.array(label, { minLength: 1, maxLength: 6 }).map((l) => l.join('.')), { nil: null }),
        fc.array(fc.stringMatching(/^[a-z0-9/.-]{1,20}$/), { minLength: 1, maxLength: 5 }),
        (sni, alpn) => {
          const dcid = randomBytes(8);
          const scid = randomBytes(8);
          const hello = buildClientHello({ sni, alpn, transportParameters: clientTransportParameters(scid) });
          const dgram = buildClientInitial({ version: QUIC_V1, dcid, scid, pn: 0, pnLength: 4, frames: cryptoFrame(0, hello) }, initialSecrets(dcid).client);
          expect(dgram.length).toBe(1200);
          const seen = readClientInitial(dgram)!;
          expect(seen.hello!.sni).toBe(sni);
          expect(seen.hello!.alpn).toEqual(alpn);
          expect(unprotectLong(dgram, 1 + 4 + 1 + 8 + 1 + 8 + 1 + 2, initialSecrets(dcid).client, -1)!.pn).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('variable-length integers (RFC 9000 §16, Appendix A.1)', () => {
  it('reads the RFC’s examples and writes the shortest encoding back', () => {
    const cases: Array<[string, number]> = [
      ['9d7f3e7d', 494878333],
      ['7bbd', 15293],
      ['25', 37],
    ];
    for (const [hex, v] of cases) {
      expect(new Reader(Buffer.from(hex, 'hex')).varint()).toBe(v);
      expect(varint(v).toString('hex')).toBe(hex);
    }
    // A two-byte encoding of 37 is valid too.
    expect(new Reader(Buffer.from('4025', 'hex')).varint()).toBe(37);
  });

  it('round-trips any value below 2^53 and refuses 2^62 and above', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
        expect(new Reader(varint(v)).varint()).toBe(v);
      }),
      { numRuns: 2000 },
    );
    expect(() => varint(2 ** 62)).toThrow(RangeError);
  });
});
