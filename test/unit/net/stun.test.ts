// The STUN codec (RFC 8489) against the RFC 5769 test vectors, and against datagrams that are cut, corrupt or random.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bindingRequest,
  fingerprintOf,
  MAGIC_COOKIE,
  readResponse,
  type StunReading,
} from '../../../src/net/stun/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 (Test Vectors for STUN), §2.1 to §2.3, byte for byte. §2.1's USERNAME padding is
// three spaces, as printed there (RFC 8489 lets the padding be any value; receivers ignore it).
const RFC5769_TXID = hex('b7e7a701 bc34d686 fa87dfae');

/** §2.1 Sample request: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT e57a3bcf. */
const SAMPLE_REQUEST = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);

/** §2.2 Sample IPv4 response: SOFTWARE "test vector", XOR-MAPPED-ADDRESS 192.0.2.1 port 32853, MESSAGE-INTEGRITY, FINGERPRINT. */
const SAMPLE_IPV4_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);

/** §2.3 Sample IPv6 response: XOR-MAPPED-ADDRESS 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
const SAMPLE_IPV6_RESPONSE = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);

const other = (why: string): StunReading => ({ kind: 'other', why } as StunReading);

describe('RFC 5769 test vectors', () => {
  it('reads the sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853 and SOFTWARE, FINGERPRINT verified', () => {
    expect(readResponse(SAMPLE_IPV4_RESPONSE, RFC5769_TXID)).toEqual({ kind: 'binding_success', mapped: '192.0.2.1:32853', software: 'test vector' });
  });

  it('reads the sample IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    expect(readResponse(SAMPLE_IPV6_RESPONSE, RFC5769_TXID)).toEqual({
      kind: 'binding_success',
      mapped: '[2001:db8:1234:5678:11:2233:4455:6677]:32853',
      software: 'test vector',
    });
  });

  it('computes the sample request’s FINGERPRINT (CRC-32 XOR 0x5354554e over the bytes before it)', () => {
    expect(fingerprintOf(SAMPLE_REQUEST.subarray(0, SAMPLE_REQUEST.length - 8)).toString(16)).toBe('e57a3bcf');
    expect(fingerprintOf(SAMPLE_IPV4_RESPONSE.subarray(0, 72)).toString(16)).toBe('c07d4c96');
  });

  it('refuses a vector with one byte changed, because its FINGERPRINT no longer matches', () => {
    const bent = Buffer.from(SAMPLE_IPV4_RESPONSE);
    bent[24] ^= 0x01; // inside SOFTWARE
    expect(readResponse(bent, RFC5769_TXID)).toEqual(other('bad_fingerprint'));
  });

  it('does not take the sample request (a Binding request, as a reflector would echo) for an answer', () => {
    expect(readResponse(SAMPLE_REQUEST, RFC5769_TXID)).toEqual(other('not_a_response'));
  });

  it('does not accept a vector for another transaction', () => {
    const txid = Buffer.from(RFC5769_TXID);
    txid[11] ^= 0xff;
    expect(readResponse(SAMPLE_IPV4_RESPONSE, txid)).toEqual(other('transaction_mismatch'));
  });
});

describe('Binding request', () => {
  const txid = hex('0102030405060708090a0b0c');

  it('is a 20-byte header with the magic cookie and our transaction id, then FINGERPRINT', () => {
    const req = bindingRequest(txid);
    expect(req.length).toBe(28);
    expect(req.readUInt16BE(0)).toBe(0x0001);
    expect(req.readUInt16BE(2)).toBe(8);
    expect(req.readUInt32BE(4)).toBe(MAGIC_COOKIE);
    expect(req.subarray(8, 20)).toEqual(txid);
    expect(req.readUInt16BE(20)).toBe(0x8028);
    expect(req.readUInt16BE(22)).toBe(4);
    expect(req.readUInt32BE(24)).toBe(fingerprintOf(req.subarray(0, 20)));
  });

  it('carries SOFTWARE padded to 4 bytes when asked, and no attribute at all without FINGERPRINT', () => {
    const req = bindingRequest(txid, { software: 'blockwatch', fingerprint: false });
    expect(req.readUInt16BE(2)).toBe(16);
    expect(req.readUInt16BE(20)).toBe(0x8022);
    expect(req.readUInt16BE(22)).toBe(10);
    expect(req.subarray(24, 34).toString()).toBe('blockwatch');
    expect(req.length).toBe(36);
    expect(bindingRequest(txid, { fingerprint: false }).length).toBe(20);
  });
});

/** A response header for `txid` around the given attribute bytes. */
function response(type: number, attrs: Buffer, txid = RFC5769_TXID): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(attrs.length, 2);
  head.writeUInt32BE(MAGIC_COOKIE, 4);
  txid.copy(head, 8);
  return Buffer.concat([head, attrs]);
}

describe('response validation', () => {
  it('falls back to MAPPED-ADDRESS when there is no XOR-MAPPED-ADDRESS (RFC 3489 servers)', () => {
    const mapped = hex('00010008 00011f90 c0000201'); // 192.0.2.1:8080, not XORed
    expect(readResponse(response(0x0101, mapped), RFC5769_TXID)).toEqual({ kind: 'binding_success', mapped: '192.0.2.1:8080', software: null });
  });

  it('reads an error response’s ERROR-CODE as class × 100 + number, with its reason', () => {
    const e = hex('00090010 00000400 42616420 52657175 65737400'); // 400 "Bad Request"
    e.writeUInt16BE(4 + 11, 2);
    expect(readResponse(response(0x0111, e), RFC5769_TXID)).toEqual({ kind: 'binding_error', code: 400, reason: 'Bad Request' });
  });

  it('counts an error response without ERROR-CODE as an error, with no code', () => {
    expect(readResponse(response(0x0111, Buffer.alloc(0)), RFC5769_TXID)).toEqual({ kind: 'binding_error', code: null, reason: '' });
  });

  it.each([
    ['under 20 bytes', SAMPLE_IPV4_RESPONSE.subarray(0, 19), 'short'],
    ['the top two bits set', Buffer.concat([Buffer.from([0xc1, 0x01]), SAMPLE_IPV4_RESPONSE.subarray(2)]), 'not_stun'],
    ['no magic cookie', Buffer.concat([SAMPLE_IPV4_RESPONSE.subarray(0, 4), Buffer.alloc(4), SAMPLE_IPV4_RESPONSE.subarray(8)]), 'not_stun'],
    ['a length that is not a multiple of 4', response(0x0101, Buffer.alloc(6)), 'bad_length'],
    ['a length past the end of the datagram', SAMPLE_IPV4_RESPONSE.subarray(0, 60), 'bad_length'],
    ['an attribute running past the message', response(0x0101, hex('00200010 0001a147 e112a643')), 'malformed_attribute'],
    ['XOR-MAPPED-ADDRESS of an unknown family', response(0x0101, hex('00200008 0003a147 e112a643')), 'malformed_attribute'],
    ['XOR-MAPPED-ADDRESS of the wrong length for IPv6', response(0x0101, hex('00200008 0002a147 e112a643')), 'malformed_attribute'],
    ['ERROR-CODE with class 7', response(0x0111, hex('00090004 00000700')), 'malformed_attribute'],
    ['ERROR-CODE with number 100', response(0x0111, hex('00090004 00000464')), 'malformed_attribute'],
    ['FINGERPRINT that is not last', response(0x0101, hex('80280004 00000000 00200008 0001a147 e112a643')), 'bad_fingerprint'],
    ['a Binding indication', response(0x0011, Buffer.alloc(0)), 'not_a_response'],
  ])('calls a datagram with %s "other"', (_, msg, why) => {
    expect(readResponse(msg, RFC5769_TXID)).toEqual(other(why));
  });

  it('ignores attributes after MESSAGE-INTEGRITY except FINGERPRINT (RFC 8489 §14.5)', () => {
    const attrs = Buffer.concat([hex('00080014'), Buffer.alloc(20), hex('00200008 0001a147 e112a643')]);
    expect(readResponse(response(0x0101, attrs), RFC5769_TXID)).toEqual({ kind: 'binding_success', mapped: null, software: null });
  });

  it('reads every prefix of the vectors without throwing, and accepts none but the whole', () => {
    for (const v of [SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE]) {
      for (let n = 0; n < v.length; n++) expect(readResponse(v.subarray(0, n), RFC5769_TXID).kind).toBe('other');
    }
  });

  it('never throws on random datagrams, nor on random attributes behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(readResponse(Buffer.from(bytes), RFC5769_TXID).kind).toBe('other');
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(0x0101, 0x0111), fc.uint8Array({ maxLength: 600 }), (type, bytes) => {
        const attrs = Buffer.from(bytes.subarray(0, bytes.length & ~3));
        const r = readResponse(response(type, attrs), RFC5769_TXID);
        expect(['binding_success', 'binding_error', 'other']).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
  });
});
