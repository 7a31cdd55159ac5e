// The MTProto module against the byte samples and rules core.telegram.org publishes: the req_pq_multi
// and resPQ dumps of /mtproto/samples-auth_key, the framings of /mtproto/mtproto-transports, the
// obfuscated2 pseudocode of the same page, message ids of /mtproto/description, strings of /mtproto/serialize.
import { createCipheriv, createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  encodeDcId,
  frame,
  framingTag,
  headerKeys,
  isGoodStart,
  messageId,
  obfuscated2Client,
  obfuscatedTag,
  parseResPq,
  plainMessage,
  readPacket,
  readPlainMessage,
  REQ_PQ_MULTI,
  reqPqMulti,
  RES_PQ,
  resPq,
  tlString,
  VECTOR,
} from '../../../src/net/mtproto/index.js';

/** A hex dump as the docs print it ("0000 | 00 00 …"), to bytes. */
function dump(text: string): Buffer {
  return Buffer.from(
    text
      .trim()
      .split('\n')
      .map((l) => l.split('|')[1])
      .join('')
      .replace(/\s+/g, ''),
    'hex',
  );
}

// samples-auth_key, "1) Client sends query to server".
const REQ_PQ_MULTI_SAMPLE = dump(`
0000 | 00 00 00 00 00 00 00 00 D4 72 06 00 50 3D C5 65
0010 | 14 00 00 00 F1 8E 7E BE 40 67 09 F6 12 FA DF BE
0020 | C3 F0 28 9D 0A A6 7E EF`);
// samples-auth_key, "2) Server sends response of the form".
const RES_PQ_SAMPLE = dump(`
0000 | 00 00 00 00 00 00 00 00 01 D8 31 75 50 3D C5 65
0010 | A8 00 00 00 63 24 16 05 40 67 09 F6 12 FA DF BE
0020 | C3 F0 28 9D 0A A6 7E EF E1 1D BC 3B C9 7D 91 A2
0030 | 61 54 F9 32 AF 01 99 43 08 25 65 95 ED B7 76 67
0040 | 97 00 00 00 15 C4 B5 1C 03 00 00 00 A5 B7 F7 09
0050 | 35 5F C3 0B 21 6B E8 6C 02 2B B4 C3 85 FD 64 DE
0060 | 85 1D 9D D0`);
const NONCE = Buffer.from('406709F612FADFBEC3F0289D0AA67EEF', 'hex');
const SERVER_NONCE = Buffer.from('E11DBC3BC97D91A26154F932AF019943', 'hex');
/** The sample's message_id, D4720600503DC565 on the wire (little-endian). */
const SAMPLE_MSG_ID = 0x65c53d50000672d4n;

describe('req_pq_multi (samples-auth_key, step 1)', () => {
  it('serialises the sample byte for byte: auth_key_id 0, message_id, length 20, constructor, nonce', () => {
    expect(plainMessage(SAMPLE_MSG_ID, reqPqMulti(NONCE))).toEqual(REQ_PQ_MULTI_SAMPLE);
  });

  it('uses the constructor numbers TL derives: CRC32 of the combinator description (mtproto/TL, serialize)', () => {
    expect(crc32('req_pq_multi nonce:int128 = ResPQ')).toBe(REQ_PQ_MULTI);
    expect(crc32('resPQ nonce:int128 server_nonce:int128 pq:string server_public_key_fingerprints:Vector long = ResPQ')).toBe(RES_PQ);
    expect(crc32('vector t:Type # [ t ] = Vector t')).toBe(VECTOR);
  });

  it('refuses a nonce that is not 16 bytes', () => {
    expect(() => reqPqMulti(Buffer.alloc(15))).toThrow(RangeError);
  });
});

describe('resPQ (samples-auth_key, step 2)', () => {
  it('parses the sample: our nonce, the server nonce, pq = 1513098571 × 1780931429, three fingerprints', () => {
    const msg = readPlainMessage(RES_PQ_SAMPLE);
    expect(msg.ok).toBe(true);
    if (!msg.ok) return;
    // The server's message id answers a client message: it is 1 modulo 4 (description, "Message Identifier").
    expect(msg.value.messageId % 4n).toBe(1n);
    const r = parseResPq(msg.value.body);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.nonce).toEqual(NONCE);
    expect(r.value.serverNonce).toEqual(SERVER_NONCE);
    expect(BigInt(`0x${r.value.pq.toString('hex')}`)).toBe(2694724800268887959n);
    expect(1513098571n * 1780931429n).toBe(2694724800268887959n);
    expect(r.value.fingerprints.map((f) => f.toString('hex').toUpperCase())).toEqual(['A5B7F709355FC30B', '216BE86C022BB4C3', '85FD64DE851D9DD0']);
    expect(r.used).toBe(80);
  });

  it('serialises the same values to the sample body byte for byte', () => {
    const value = { nonce: NONCE, serverNonce: SERVER_NONCE, pq: Buffer.from('2565 95ED B776 6797'.replace(/ /g, ''), 'hex'), fingerprints: ['A5B7F709355FC30B', '216BE86C022BB4C3', '85FD64DE851D9DD0'].map((h) => Buffer.from(h, 'hex')) };
    expect(resPq(value)).toEqual(RES_PQ_SAMPLE.subarray(20));
  });

  it("keeps the sample's message_data_length (168) though its body is 80 bytes, and reads the body it has", () => {
    const msg = readPlainMessage(RES_PQ_SAMPLE);
    expect(msg.ok && [msg.value.length, msg.value.body.length]).toEqual([168, 80]);
  });

  it('returns a named reason, never throws, for every truncation of the sample and for hostile fields', () => {
    const body = RES_PQ_SAMPLE.subarray(20);
    for (let n = 0; n < body.length; n++) {
      const r = parseResPq(body.subarray(0, n));
      expect(r.ok, `truncated to ${n}`).toBe(false);
      expect(r.ok ? null : r.reason).toBe('short');
    }
    const withCount = (count: number) => {
      const b = Buffer.from(body);
      b.writeUInt32LE(count, 72 - 20);
      return b;
    };
    expect(parseResPq(withCount(0xffffffff))).toEqual({ ok: false, reason: 'vector_count' });
    expect(parseResPq(withCount(4))).toEqual({ ok: false, reason: 'short' });
    const badString = Buffer.from(body);
    badString[56 - 20] = 255;
    expect(parseResPq(badString)).toEqual({ ok: false, reason: 'string_length' });
    const longString = Buffer.from(body);
    longString.writeUInt32LE(0xfffffffe, 56 - 20);
    expect(parseResPq(longString)).toEqual({ ok: false, reason: 'short' });
    expect(parseResPq(Buffer.concat([Buffer.from([0, 0, 0, 0]), body.subarray(4)]))).toEqual({ ok: false, reason: 'constructor' });
    const badVector = Buffer.from(body);
    badVector.writeUInt32LE(0x12345678, 68 - 20);
    expect(parseResPq(badVector)).toEqual({ ok: false, reason: 'vector_constructor' });
  });

  it('refuses a payload whose auth_key_id is not 0 or that is shorter than the 20-byte header', () => {
    const keyed = Buffer.from(RES_PQ_SAMPLE);
    keyed[3] = 1;
    expect(readPlainMessage(keyed)).toEqual({ ok: false, reason: 'auth_key_id' });
    expect(readPlainMessage(RES_PQ_SAMPLE.subarray(0, 19))).toEqual({ ok: false, reason: 'short' });
  });
});

describe('message ids (description, "Message Identifier")', () => {
  it('is unixtime × 2^32 plus the fraction of the second, divisible by 4, its lower half never empty', () => {
    const ms = 1_707_425_104_250; // 0x65C53D50 s and a quarter
    const id = messageId(ms);
    expect(id >> 32n).toBe(0x65c53d50n);
    expect(id & 0xffffffffn).toBe(0x40000000n);
    expect(id % 4n).toBe(0n);
    expect(messageId(1_707_425_104_000) & 0xffffffffn).not.toBe(0n);
    for (let f = 0; f < 1000; f += 7) expect(messageId(1_707_425_104_000 + f) % 4n).toBe(0n);
  });
});

describe('TL strings (serialize, "Base Types")', () => {
  it('writes a length byte and pads to 4 up to 253 bytes, then 254 and a 3-byte length', () => {
    expect(tlString(Buffer.from('2565 95ED B776 6797'.replace(/ /g, ''), 'hex'))).toEqual(Buffer.from('08256595EDB7766797000000', 'hex'));
    expect(tlString(Buffer.from('5A300D4B', 'hex'))).toEqual(Buffer.from('045A300D4B000000', 'hex'));
    const long = tlString(Buffer.alloc(300, 1));
    expect(long.subarray(0, 4)).toEqual(Buffer.from([254, 0x2c, 0x01, 0x00]));
    expect(long.length).toBe(304);
  });
});

describe('transports (mtproto-transports)', () => {
  const payload = REQ_PQ_MULTI_SAMPLE;

  it('abridged: 0xef first, then the length in words in one byte (samples-auth_key: 0x01–0x7e), or 0x7f and three bytes', () => {
    expect(Buffer.concat([framingTag('abridged'), frame('abridged', payload)])).toEqual(Buffer.concat([Buffer.from([0xef, 0x0a]), payload]));
    const big = Buffer.alloc(127 * 4, 7);
    expect(frame('abridged', big).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x7f, 0x00, 0x00]));
    expect(frame('abridged', Buffer.alloc(126 * 4)).subarray(0, 1)).toEqual(Buffer.from([0x7e]));
    expect(() => frame('abridged', Buffer.alloc(6))).toThrow(RangeError);
  });

  it('intermediate: 0xeeeeeeee first, then a 4-byte little-endian length', () => {
    expect(Buffer.concat([framingTag('intermediate'), frame('intermediate', payload)])).toEqual(Buffer.concat([Buffer.from('eeeeeeee28000000', 'hex'), payload]));
  });

  it('padded intermediate: 0xdddddddd first, then the length of payload and 0–15 bytes of padding', () => {
    const pad = Buffer.from('0102030405', 'hex');
    expect(Buffer.concat([framingTag('padded_intermediate'), frame('padded_intermediate', payload, pad)])).toEqual(Buffer.concat([Buffer.from('dddddddd2d000000', 'hex'), payload, pad]));
    for (let i = 0; i < 50; i++) {
      const len = frame('padded_intermediate', payload).readUInt32LE(0);
      expect(len).toBeGreaterThanOrEqual(40);
      expect(len).toBeLessThanOrEqual(55);
    }
  });

  it('reads back what it frames, whole or in pieces', () => {
    for (const f of ['abridged', 'intermediate', 'padded_intermediate'] as const) {
      const wire = frame(f, payload, Buffer.alloc(3));
      for (let n = 0; n < wire.length; n++) expect(readPacket(f, wire.subarray(0, n), 4096), `${f} ${n}`).toBeNull();
      const got = readPacket(f, Buffer.concat([wire, Buffer.from([1, 2])]), 4096);
      expect(got && 'packet' in got ? [got.packet, got.used] : got).toEqual([{ kind: 'payload', payload: f === 'padded_intermediate' ? Buffer.concat([payload, Buffer.alloc(3)]) : payload }, wire.length]);
    }
  });

  it('recognises a transport error (-404) framed as a payload in each framing', () => {
    const code = Buffer.alloc(4);
    code.writeInt32LE(-404, 0);
    for (const f of ['abridged', 'intermediate', 'padded_intermediate'] as const) {
      const got = readPacket(f, frame(f, code, Buffer.alloc(0)), 4096);
      expect(got && 'packet' in got ? got.packet : got).toEqual({ kind: 'transport_error', code: -404 });
    }
    expect(Buffer.from(frame('intermediate', code))).toEqual(Buffer.from('040000006cfeffff', 'hex'));
  });

  it('recognises quick ACKs: abridged byte-swapped, intermediate bare with the high bit, padded inside 0xffffffff', () => {
    const token = Buffer.from('11223384', 'hex'); // the high bit of its last byte set, as every token has
    const abridged = readPacket('abridged', Buffer.from(token).reverse(), 4096);
    expect(abridged).toEqual({ packet: { kind: 'quick_ack', token }, used: 4 });
    expect(readPacket('intermediate', token, 4096)).toEqual({ packet: { kind: 'quick_ack', token }, used: 4 });
    const padded = frame('padded_intermediate', Buffer.concat([Buffer.alloc(4, 0xff), token]), Buffer.alloc(5));
    expect(readPacket('padded_intermediate', padded, 4096)).toEqual({ packet: { kind: 'quick_ack', token }, used: padded.length });
  });

  it('refuses a length over the cap at once, before its bytes arrive', () => {
    expect(readPacket('intermediate', Buffer.from('HTTP'), 4096)).toEqual({ malformed: 'frame_length' });
    expect(readPacket('padded_intermediate', Buffer.from('00000000', 'hex'), 4096)).toEqual({ malformed: 'frame_length' });
    expect(readPacket('abridged', Buffer.from([0x7f, 0xff, 0xff, 0x00]), 4096)).toEqual({ malformed: 'frame_length' });
    expect(readPacket('abridged', Buffer.from([0x00]), 4096)).toEqual({ malformed: 'frame_length' });
  });
});

describe('obfuscated2 (mtproto-transports, "Transport obfuscation")', () => {
  /** A random source that hands out the given 64-byte blocks in turn. */
  function fixed(...blocks: Buffer[]): (n: number) => Buffer {
    let i = 0;
    return (n) => {
      expect(n).toBe(64);
      return blocks[i++];
    };
  }
  const block = (first: number[], fill = 0x42) => {
    const b = Buffer.alloc(64);
    for (let i = 0; i < 64; i++) b[i] = (i * 7 + fill) & 0xff;
    Buffer.from(first).copy(b);
    return b;
  };

  it("reproduces the page's pseudocode for an MTProxy connection to media DC 4 over padded intermediate", () => {
    const random = block([0x01, 0x02, 0x03, 0x04, 0x05]);
    const secret = Buffer.from('dd99999999999999999999999999999999', 'hex');
    const c = obfuscated2Client(Buffer.from('dddddddd', 'hex'), -4, { secret, random: fixed(random) });
    // The pseudocode, step by step: init := 56 random bytes + protocol + dc (0xfcff) + 2 random bytes.
    const init = Buffer.concat([random.subarray(0, 56), Buffer.from('ddddddddfcff', 'hex'), random.subarray(62)]);
    const initRev = Buffer.from(init).reverse();
    const s = secret.subarray(1, 17);
    const encryptKey = createHash('sha256').update(Buffer.concat([init.subarray(8, 40), s])).digest();
    const decryptKey = createHash('sha256').update(Buffer.concat([initRev.subarray(8, 40), s])).digest();
    const encryptedInit = createCipheriv('aes-256-ctr', encryptKey, init.subarray(40, 56)).update(init);
    expect(c.header).toEqual(Buffer.concat([init.subarray(0, 56), encryptedInit.subarray(56, 64)]));
    // The same cipher goes on after the header; the other direction uses the reversed header's key and IV.
    const stream = createCipheriv('aes-256-ctr', encryptKey, init.subarray(40, 56));
    stream.update(init);
    expect(c.encrypt.update(Buffer.from('abcd'))).toEqual(stream.update(Buffer.from('abcd')));
    const back = createCipheriv('aes-256-ctr', decryptKey, initRev.subarray(40, 56)).update(Buffer.from('from the server'));
    expect(c.decrypt.update(back).toString()).toBe('from the server');
  });

  it('writes the DC id as signed 16-bit little-endian: 2, media DC 4 (-4), test DC 2 (10002)', () => {
    expect(encodeDcId(2)).toEqual(Buffer.from('0200', 'hex'));
    expect(encodeDcId(-4)).toEqual(Buffer.from('fcff', 'hex'));
    expect(encodeDcId(10002)).toEqual(Buffer.from('1227', 'hex'));
    expect(() => encodeDcId(0)).toThrow(RangeError);
    expect(() => encodeDcId(40000)).toThrow(RangeError);
  });

  it('draws again while the header starts like another protocol: 0xef, HEAD, POST, GET, OPTI, a TLS record, 0xdddddddd, 0xeeeeeeee, or a zero second int', () => {
    const bad = [
      [0xef],
      [...Buffer.from('HEAD')],
      [...Buffer.from('POST')],
      [...Buffer.from('GET ')],
      [...Buffer.from('OPTI')],
      [0x16, 0x03, 0x01, 0x02],
      [0xdd, 0xdd, 0xdd, 0xdd],
      [0xee, 0xee, 0xee, 0xee],
      [0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0],
    ].map((f) => block(f));
    for (const b of bad) expect(isGoodStart(b), b.subarray(0, 8).toString('hex')).toBe(false);
    const good = block([0x01, 0x02, 0x03, 0x04]);
    const c = obfuscated2Client(obfuscatedTag('abridged'), 2, { random: fixed(...bad, good) });
    expect(c.header.subarray(0, 56)).toEqual(good.subarray(0, 56));
  });

  it("is read the server's way: the header's own keys decrypt it to the tag (0xefefefef for abridged) and DC at 56–61", () => {
    const c = obfuscated2Client(obfuscatedTag('abridged'), 2);
    const keys = headerKeys(c.header);
    const clear = createCipheriv('aes-256-ctr', keys.forward.key, keys.forward.iv).update(c.header);
    expect(clear.subarray(56, 62)).toEqual(Buffer.from('efefefef0200', 'hex'));
  });
});
