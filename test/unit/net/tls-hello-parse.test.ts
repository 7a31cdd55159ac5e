// The ClientHello parser: real captures round-trip, hostile bytes come back as named errors, never a throw, within its caps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientHelloError, MAX_HELLO, parseClientHello, type ClientHello } from '../../../src/net/tls-hello/index.js';
import { encodeClientHelloMessage, inRecords } from '../../../src/net/tls-hello/encode.js';
import { HELLO_VECTORS } from '../../support/tls-hello-vectors.js';

const CODES = new Set(['truncated', 'not_handshake', 'not_client_hello', 'too_large', 'malformed', 'bad_extension']);

/** Parses, checking that whatever comes back is a hello or a named error. */
function parse(bytes: Uint8Array): ClientHello | ClientHelloError {
  const out = parseClientHello(bytes);
  if (out instanceof ClientHelloError) expect(CODES.has(out.code)).toBe(true);
  else expect(out.extensions.length).toBeGreaterThanOrEqual(0);
  return out;
}

function ok(bytes: Uint8Array): ClientHello {
  const out = parseClientHello(bytes);
  if (out instanceof ClientHelloError) throw out;
  return out;
}

function errorOf(bytes: Uint8Array): ClientHelloError {
  const out = parseClientHello(bytes);
  if (!(out instanceof ClientHelloError)) throw new Error('parsed as a ClientHello');
  return out;
}

const chrome = Buffer.from(HELLO_VECTORS[0].hex, 'hex');
const ext = (type: number, data: Buffer) => ({ type, data });

describe('parseClientHello on real hellos', () => {
  it('reads the fields of Chrome\'s hello (FoxIO pcap/tls-handshake.pcapng stream 0)', () => {
    const h = ok(chrome);
    expect(h.recordVersion).toBe(0x0301);
    expect(h.records).toBe(1);
    expect(h.length).toBe(chrome.length);
    expect(h.legacyVersion).toBe(0x0303);
    expect(h.sessionId.length).toBe(32);
    expect(h.cipherSuites[0]).toBe(0xaaaa);
    expect(h.cipherSuites.length).toBe(16);
    expect(h.compressionMethods).toEqual([0]);
    expect(h.extensions.map((e) => e.type)).toEqual([
      0x9a9a, 0xff01, 0x0033, 0x002d, 0x0005, 0x4469, 0x000d, 0x0010, 0x0023, 0x001b, 0x002b, 0x0000, 0x0012, 0x000a, 0x0017, 0x000b, 0x6a6a, 0x0015,
    ]);
    expect(h.serverName).toBe('clientservices.googleapis.com');
    expect(h.alpn).toEqual(['h2', 'http/1.1']);
    expect(h.supportedVersions).toEqual([0x0a0a, 0x0304, 0x0303]);
    expect(h.supportedGroups).toEqual([0x0a0a, 0x001d, 0x0017, 0x0018]);
    expect(h.keyShareGroups).toEqual([0x0a0a, 0x001d]);
    expect(h.signatureAlgorithms).toEqual([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]);
    expect(h.ecPointFormats).toEqual([0]);
    expect(h.pskModes).toEqual([1]);
    expect(h.ech).toBeNull();
  });

  for (const v of HELLO_VECTORS) {
    it(`${v.source} re-encodes to the same bytes`, () => {
      const h = ok(Buffer.from(v.hex, 'hex'));
      expect(inRecords(encodeClientHelloMessage(h), h.recordVersion!).toString('hex')).toBe(v.hex);
    });
  }

  it('reads a bare handshake message (as QUIC carries it) and one split over many records', () => {
    const message = chrome.subarray(5);
    const bare = ok(message);
    expect(bare.recordVersion).toBeNull();
    expect(bare.records).toBe(0);
    expect(bare.serverName).toBe('clientservices.googleapis.com');
    // 7-byte records: legal (RFC 8446 §5.1 only forbids empty ones), and what a censor must gather.
    const parts: Buffer[] = [];
    for (let i = 0; i < message.length; i += 7) {
      const part = message.subarray(i, i + 7);
      parts.push(Buffer.from([22, 3, 1, 0, part.length]), part);
    }
    const split = ok(Buffer.concat([...parts, Buffer.from('trailing application bytes')]));
    expect(split.records).toBe(Math.ceil(message.length / 7));
    expect(split.length).toBe(Buffer.concat(parts).length);
    expect(split.extensions).toEqual(bare.extensions);
  });

  it('reads an ECH outer extension per RFC 9849 §5', () => {
    const h = ok(chrome);
    const echData = Buffer.concat([Buffer.from([0, 0x00, 0x01, 0x00, 0x01, 0x2a, 0x00, 0x03, 1, 2, 3, 0x00, 0x02, 9, 9])]);
    const withEch = ok(inRecords(encodeClientHelloMessage({ ...h, extensions: [...h.extensions, ext(0xfe0d, echData)] }), 0x0301));
    expect(withEch.ech).toEqual({ type: 'outer', kdf: 1, aead: 1, configId: 0x2a, enc: Buffer.from([1, 2, 3]), payload: Buffer.from([9, 9]) });
    const inner = ok(inRecords(encodeClientHelloMessage({ ...h, extensions: [...h.extensions, ext(0xfe0d, Buffer.from([1]))] }), 0x0301));
    expect(inner.ech).toEqual({ type: 'inner' });
  });
});

describe('parseClientHello on hostile bytes', () => {
  it('says truncated, with how many bytes at least are missing, for every prefix of a hello', () => {
    for (let n = 0; n < chrome.length; n++) {
      const e = errorOf(chrome.subarray(0, n));
      expect(e.code).toBe('truncated');
      expect(e.needed).toBeGreaterThan(0);
      expect(n + e.needed!).toBeLessThanOrEqual(chrome.length);
    }
  });

  it('names what else the bytes are', () => {
    expect(errorOf(Buffer.from('GET / HTTP/1.1\r\n\r\n')).code).toBe('not_handshake');
    expect(errorOf(Buffer.from([21, 3, 3, 0, 2, 2, 40])).code).toBe('not_handshake');
    expect(errorOf(Buffer.from([22, 4, 1, 0, 4, 1, 0, 0, 0])).code).toBe('not_handshake');
    // A ServerHello header in a handshake record.
    expect(errorOf(Buffer.from([22, 3, 3, 0, 4, 2, 0, 0, 0])).code).toBe('not_client_hello');
    // A record over 2^14 bytes, and an empty one.
    expect(errorOf(Buffer.from([22, 3, 1, 0x40, 0x01, 1])).code).toBe('malformed');
    expect(errorOf(Buffer.from([22, 3, 1, 0, 0])).code).toBe('malformed');
    // Another content type in the middle of the hello.
    const firstPart = Buffer.concat([Buffer.from([22, 3, 1, 0, 10]), chrome.subarray(5, 15)]);
    expect(errorOf(Buffer.concat([firstPart, Buffer.from([23, 3, 3, 0, 1, 0])])).code).toBe('malformed');
  });

  it('refuses a hello over MAX_HELLO from its header, without waiting for the bytes', () => {
    const e = errorOf(Buffer.from([22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff]));
    expect(e.code).toBe('too_large');
    expect(errorOf(Buffer.from([1, (MAX_HELLO >> 16) & 0xff, (MAX_HELLO >> 8) & 0xff, 0])).code).toBe('too_large');
  });

  it('says bad_extension for an extension that breaks its own structure, malformed for lengths that do not add up', () => {
    const h = ok(chrome);
    const rebuilt = (exts: ClientHello['extensions']) => inRecords(encodeClientHelloMessage({ ...h, extensions: exts }), 0x0301);
    const badSni = h.extensions.map((e) => (e.type === 0 ? ext(0, Buffer.from([0, 5, 0, 0, 9, 0x61])) : e));
    expect(errorOf(rebuilt(badSni))).toMatchObject({ code: 'bad_extension' });
    expect(errorOf(rebuilt(badSni)).message).toMatch(/server_name/);
    const oddGroups = h.extensions.map((e) => (e.type === 0x000a ? ext(0x000a, Buffer.from([0, 3, 0, 0x1d, 0])) : e));
    expect(errorOf(rebuilt(oddGroups)).code).toBe('bad_extension');
    const trailing = h.extensions.map((e) => (e.type === 0x002b ? ext(0x002b, Buffer.from([2, 3, 4, 0])) : e));
    expect(errorOf(rebuilt(trailing)).code).toBe('bad_extension');
    const emptyEchPayload = [...h.extensions, ext(0xfe0d, Buffer.from([0, 0, 1, 0, 1, 7, 0, 0, 0, 0]))];
    expect(errorOf(rebuilt(emptyEchPayload)).code).toBe('bad_extension');
    // The extensions block claims more than the message holds.
    const msg = Buffer.from(encodeClientHelloMessage(h));
    const extLenAt = 4 + 2 + 32 + 1 + h.sessionId.length + 2 + h.cipherSuites.length * 2 + 1 + h.compressionMethods.length;
    msg.writeUInt16BE(msg.readUInt16BE(extLenAt) + 1, extLenAt);
    expect(errorOf(msg).code).toBe('malformed');
    // A session id over 32 bytes.
    const sid = Buffer.from(encodeClientHelloMessage({ ...h, sessionId: Buffer.alloc(33) }));
    expect(errorOf(sid).code).toBe('malformed');
  });

  it('never throws on random bytes, random records, or a real hello with bytes changed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        parse(bytes);
        parse(Buffer.concat([Buffer.from([22, 3, 1, bytes.length >> 8, bytes.length & 0xff]), bytes]));
        parse(Buffer.concat([Buffer.from([1, 0, bytes.length >> 8, bytes.length & 0xff]), bytes]));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(chrome.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const b = Buffer.from(chrome);
        for (const [at, v] of edits) b[at] = v;
        parse(b);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps no view of the caller\'s buffer', () => {
    const b = Buffer.from(chrome);
    const h = ok(b);
    b.fill(0);
    expect(h.serverName).toBe('clientservices.googleapis.com');
    expect(h.extensions[0].data.length).toBe(0);
    expect(h.random.equals(Buffer.alloc(32))).toBe(false);
  });
});
