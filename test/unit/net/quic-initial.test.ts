// QUIC Initial protection against RFC 9001 Appendix A byte for byte: keys (A.1), client Initial (A.2), server Initial (A.3), Retry (A.4).
import { describe, expect, it } from 'vitest';
import {
  buildClientInitial,
  CryptoStream,
  decodePacketNumber,
  headerMask,
  hkdfExpandLabel,
  initialSecrets,
  parseDatagram,
  protectLong,
  QUIC_V1,
  retryIntegrityTag,
  retryTagValid,
  unprotectLong,
  type ConnectionView,
} from '../../../src/net/quic/index.js';
import { hkdfLabel } from '../../../src/net/quic/keys.js';
import { A1, A2, A3, A4, DCID } from '../../support/rfc9001-vectors.js';

/** The client of Appendix A: DCID 0x8394c8f03e515708 and an empty Source Connection ID. */
function appendixClient(): ConnectionView {
  return { version: QUIC_V1, odcid: DCID, scid: Buffer.alloc(0), serverKeys: initialSecrets(DCID).server, largestPn: -1 };
}

describe('RFC 9001 A.1: Initial keys', () => {
  it('encodes each HkdfLabel as the RFC lists it', () => {
    expect(hkdfLabel('client in', Buffer.alloc(0), 32).toString('hex')).toBe(A1.labels['client in'].toString('hex'));
    expect(hkdfLabel('server in', Buffer.alloc(0), 32).toString('hex')).toBe(A1.labels['server in'].toString('hex'));
    expect(hkdfLabel('quic key', Buffer.alloc(0), 16).toString('hex')).toBe(A1.labels['quic key'].toString('hex'));
    expect(hkdfLabel('quic iv', Buffer.alloc(0), 12).toString('hex')).toBe(A1.labels['quic iv'].toString('hex'));
    expect(hkdfLabel('quic hp', Buffer.alloc(0), 16).toString('hex')).toBe(A1.labels['quic hp'].toString('hex'));
  });

  it('derives the initial, client and server secrets and their key, iv and hp from the DCID', () => {
    const s = initialSecrets(DCID);
    expect(s.initialSecret.toString('hex')).toBe(A1.initialSecret.toString('hex'));
    expect(s.clientSecret.toString('hex')).toBe(A1.clientSecret.toString('hex'));
    expect(s.serverSecret.toString('hex')).toBe(A1.serverSecret.toString('hex'));
    for (const side of ['client', 'server'] as const) {
      expect(s[side].key.toString('hex')).toBe(A1[side].key.toString('hex'));
      expect(s[side].iv.toString('hex')).toBe(A1[side].iv.toString('hex'));
      expect(s[side].hp.toString('hex')).toBe(A1[side].hp.toString('hex'));
    }
  });

  it('expands a label to the length asked, across several HMAC blocks', () => {
    const long = hkdfExpandLabel(A1.clientSecret, 'quic key', Buffer.alloc(0), 80);
    expect(long).toHaveLength(80);
    // A different length is a different HkdfLabel, so not a prefix of the longer output.
    expect(hkdfExpandLabel(A1.clientSecret, 'quic key', Buffer.alloc(0), 16).equals(long.subarray(0, 16))).toBe(false);
  });
});

describe('RFC 9001 A.2: the client Initial', () => {
  it('masks the header with AES-ECB of the sample as the RFC shows', () => {
    expect(headerMask(A1.client.hp, A2.sample).subarray(0, 5).toString('hex')).toBe(A2.mask.toString('hex'));
  });

  it('builds every byte of the protected 1200-byte datagram from the CRYPTO frame, padding it to 1162 bytes of payload', () => {
    const dgram = buildClientInitial(
      { version: QUIC_V1, dcid: DCID, scid: Buffer.alloc(0), pn: A2.pn, pnLength: 4, frames: A2.cryptoFrame },
      initialSecrets(DCID).client,
    );
    expect(dgram).toHaveLength(1200);
    expect(dgram.subarray(0, A2.protectedHeader.length).toString('hex')).toBe(A2.protectedHeader.toString('hex'));
    expect(dgram.toString('hex')).toBe(A2.packet.toString('hex'));
  });

  it('protects the RFC’s unprotected header and payload into the same packet', () => {
    const payload = Buffer.alloc(A2.payloadLength);
    A2.cryptoFrame.copy(payload);
    const out = protectLong(A2.unprotectedHeader, 4, A2.pn, payload, initialSecrets(DCID).client);
    expect(out.toString('hex')).toBe(A2.packet.toString('hex'));
  });

  it('unprotects the packet back to packet number 2 and the padded CRYPTO frame', () => {
    const pnOffset = A2.unprotectedHeader.length - 4;
    const u = unprotectLong(A2.packet, pnOffset, initialSecrets(DCID).client, -1);
    expect(u).not.toBeNull();
    expect(u!.pn).toBe(2);
    expect(u!.pnLength).toBe(4);
    expect(u!.firstByte).toBe(0xc3);
    expect(u!.payload).toHaveLength(A2.payloadLength);
    expect(u!.payload.subarray(0, A2.cryptoFrame.length).equals(A2.cryptoFrame)).toBe(true);
    expect(u!.payload.subarray(A2.cryptoFrame.length).every((b) => b === 0)).toBe(true);
  });
});

describe('RFC 9001 A.3: the server Initial', () => {
  it('removes header protection and decrypts to the RFC payload with the server keys', () => {
    expect(headerMask(A1.server.hp, A3.sample).subarray(0, 5).toString('hex')).toBe(A3.mask.toString('hex'));
    const pnOffset = A3.unprotectedHeader.length - 2;
    const u = unprotectLong(A3.packet, pnOffset, initialSecrets(DCID).server, -1);
    expect(u).not.toBeNull();
    expect(u!.pn).toBe(A3.pn);
    expect(u!.pnLength).toBe(2);
    expect(u!.firstByte).toBe(A3.unprotectedHeader[0]);
    expect(u!.payload.toString('hex')).toBe(A3.payload.toString('hex'));
  });

  it('reads it from a datagram as a server Initial with an ACK and a CRYPTO frame holding a ServerHello', () => {
    const conn = appendixClient();
    const [p, ...rest] = parseDatagram(A3.packet, conn);
    expect(rest).toEqual([]);
    expect(p.type).toBe('initial');
    if (p.type !== 'initial') return;
    expect(p.pn).toBe(1);
    expect(p.scid.toString('hex')).toBe(A3.serverScid.toString('hex'));
    expect(p.frames.ack).toBe(true);
    expect(p.frames.malformed).toBeNull();
    expect(p.frames.crypto).toHaveLength(1);
    expect(p.frames.crypto[0].offset).toBe(0);
    expect(p.frames.crypto[0].data).toHaveLength(0x5a);
    const stream = new CryptoStream();
    stream.add(p.frames.crypto[0].offset, p.frames.crypto[0].data);
    // Handshake type 2 is ServerHello (RFC 8446 §4).
    expect(stream.messages()).toEqual([2]);
    expect(conn.largestPn).toBe(1);
  });

  it('rejects the same packet under keys from another DCID', () => {
    const other = Buffer.from('0001020304050607', 'hex');
    const conn: ConnectionView = { ...appendixClient(), odcid: other, serverKeys: initialSecrets(other).server };
    expect(parseDatagram(A3.packet, conn)).toEqual([{ type: 'other', reason: 'Initial that does not decrypt with the Initial keys' }]);
  });

  it('ignores a packet addressed to another connection ID', () => {
    const conn: ConnectionView = { ...appendixClient(), scid: Buffer.from('aabbccdd', 'hex') };
    expect(parseDatagram(A3.packet, conn)).toEqual([{ type: 'other', reason: 'packet for another connection' }]);
  });
});

describe('RFC 9001 A.4: Retry', () => {
  it('computes the Retry Integrity Tag of the RFC from the original DCID', () => {
    const body = A4.packet.subarray(0, A4.packet.length - 16);
    expect(retryIntegrityTag(DCID, body).toString('hex')).toBe(A4.packet.subarray(-16).toString('hex'));
    expect(retryTagValid(DCID, A4.packet)).toBe(true);
  });

  it('reads a Retry with a valid tag, its token and the server’s connection ID', () => {
    const [p] = parseDatagram(A4.packet, appendixClient());
    expect(p).toEqual({ type: 'retry', scid: A4.serverScid, token: A4.token });
  });

  it('rejects a Retry whose tag does not match: one flipped bit, or another original DCID', () => {
    const flipped = Buffer.from(A4.packet);
    flipped[flipped.length - 20] ^= 0x01;
    expect(parseDatagram(flipped, appendixClient())).toEqual([{ type: 'other', reason: 'retry integrity tag invalid' }]);
    const other = Buffer.from('0001020304050607', 'hex');
    expect(parseDatagram(A4.packet, { ...appendixClient(), odcid: other })).toEqual([{ type: 'other', reason: 'retry integrity tag invalid' }]);
  });
});

describe('packet numbers (RFC 9000 §17.1, Appendix A.3)', () => {
  it('decodes the RFC’s example: 0x9b32 after 0xa82f30ea is 0xa82f9b32', () => {
    expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
  });

  it('decodes a first packet from its truncation, and wraps forwards and backwards around the window', () => {
    expect(decodePacketNumber(-1, 1, 16)).toBe(1);
    expect(decodePacketNumber(0xff, 0x01, 8)).toBe(0x101);
    expect(decodePacketNumber(0x100, 0xff, 8)).toBe(0xff);
  });
});
