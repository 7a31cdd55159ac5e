/**
 * A scripted QUIC server on loopback UDP: it decrypts each client Initial with
 * the Initial keys (so tests can see what the client sent) and answers as its
 * behaviour says, with packets built to RFC 9000 §17.2 and protected with the
 * server's Initial keys: what a real server does, and what hostile or broken
 * ones do. For the real thing, see caddy.ts.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  initialSecrets,
  parseInitialFrames,
  parseTransportParameters,
  protectLong,
  retryIntegrityTag,
  unprotectLong,
} from '../../src/net/quic/index.js';
import { Reader, u16, u24, u32, u8, varint, vec16, vec8 } from '../../src/net/quic/wire.js';

export interface ClientHelloSeen {
  sessionId: Buffer;
  cipherSuites: number[];
  /** Extension type → body, in order. */
  extensions: Map<number, Buffer>;
  sni: string | null;
  alpn: string[];
  transportParameters: Map<number, Buffer> | null;
  keyShareGroups: number[];
}

export interface InitialSeen {
  /** Datagram size on the wire. */
  size: number;
  /** performance.now() when it arrived. */
  at: number;
  version: number;
  dcid: Buffer;
  scid: Buffer;
  pn: number;
  hello: ClientHelloSeen | null;
}

/** Reads a ClientHello handshake message (RFC 8446 §4.1.2), for assertions. */
export function readClientHello(msg: Buffer): ClientHelloSeen {
  const r = new Reader(msg);
  if (r.u8() !== 1) throw new Error('not a ClientHello');
  const body = new Reader(r.bytes(r.u24()));
  body.u16();
  body.bytes(32);
  const sessionId = body.bytes(body.u8());
  const suites = body.bytes(body.u16());
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push(suites.readUInt16BE(i));
  body.bytes(body.u8());
  const ext = new Reader(body.bytes(body.u16()));
  const extensions = new Map<number, Buffer>();
  while (ext.remaining > 0) {
    const type = ext.u16();
    extensions.set(type, ext.bytes(ext.u16()));
  }
  let sni: string | null = null;
  const sn = extensions.get(0);
  if (sn) {
    const s = new Reader(sn);
    s.u16();
    s.u8();
    sni = s.bytes(s.u16()).toString('ascii');
  }
  const alpn: string[] = [];
  const al = extensions.get(16);
  if (al) {
    const a = new Reader(al, 2);
    while (a.remaining > 0) alpn.push(a.bytes(a.u8()).toString());
  }
  const keyShareGroups: number[] = [];
  const ks = extensions.get(51);
  if (ks) {
    const k = new Reader(ks, 2);
    while (k.remaining > 0) {
      keyShareGroups.push(k.u16());
      k.bytes(k.u16());
    }
  }
  const tp = extensions.get(0x39);
  return { sessionId, cipherSuites, extensions, sni, alpn, transportParameters: tp ? parseTransportParameters(tp) : null, keyShareGroups };
}

/** Decrypts a client's Initial datagram with the keys of its own DCID; null when it is not one. */
export function readClientInitial(dgram: Buffer): Omit<InitialSeen, 'at'> | null {
  try {
    const r = new Reader(dgram);
    const first = r.u8();
    if ((first & 0xf0) !== 0xc0) return null;
    const version = r.u32();
    const dcid = Buffer.from(r.bytes(r.u8()));
    const scid = Buffer.from(r.bytes(r.u8()));
    r.bytes(r.varint());
    const length = r.varint();
    const pnOffset = r.pos;
    const u = unprotectLong(dgram.subarray(0, pnOffset + length), pnOffset, initialSecrets(dcid).client, -1);
    if (!u) return null;
    const frames = parseInitialFrames(u.payload);
    const crypto = frames.crypto.sort((a, b) => a.offset - b.offset).map((c) => c.data);
    return { size: dgram.length, version, dcid, scid, pn: u.pn, hello: crypto.length ? readClientHello(Buffer.concat(crypto)) : null };
  } catch {
    return null;
  }
}

// ---- building what a server sends ----

export function ackFrame(largest: number): Buffer {
  return Buffer.concat([u8(0x02), varint(largest), varint(0), varint(0), varint(0)]);
}

export function cryptoFrameAt(offset: number, data: Buffer): Buffer {
  return Buffer.concat([u8(0x06), varint(offset), varint(data.length), data]);
}

/** CONNECTION_CLOSE (0x1c); 0x0100 + a TLS alert is a crypto error (RFC 9001 §4.8). */
export function closeFrame(errorCode: number, reason: string): Buffer {
  return Buffer.concat([u8(0x1c), varint(errorCode), varint(0x06), varint(Buffer.byteLength(reason)), Buffer.from(reason)]);
}

/** A well-formed ServerHello choosing TLS_AES_128_GCM_SHA256 and X25519 (RFC 8446 §4.1.3). */
export function serverHello(): Buffer {
  const extensions = Buffer.concat([u16(43), vec16(u16(0x0304)), u16(51), vec16(u16(0x001d), vec16(randomBytes(32)))]);
  const body = Buffer.concat([u16(0x0303), randomBytes(32), vec8(), u16(0x1301), u8(0), vec16(extensions)]);
  return Buffer.concat([u8(2), u24(body.length), body]);
}

/** A server Initial to the client whose first Initial had `odcid`, addressed to the client's `dcid`. */
export function serverInitial(o: { odcid: Buffer; dcid: Buffer; scid: Buffer; pn: number; frames: Buffer; version?: number }): Buffer {
  const pnLength = 2;
  const payload = o.frames.length >= 4 ? o.frames : Buffer.concat([o.frames, Buffer.alloc(4 - o.frames.length)]);
  const header = Buffer.concat([
    u8(0xc0 | (pnLength - 1)),
    u32(o.version ?? 1),
    vec8(o.dcid),
    vec8(o.scid),
    varint(0),
    varint(pnLength + payload.length + 16, 2),
    u16(o.pn),
  ]);
  return protectLong(header, pnLength, o.pn, payload, initialSecrets(o.odcid).server);
}

/** A Handshake packet (type 2): its payload is opaque to a client without handshake keys, so noise will do. */
export function handshakePacket(dcid: Buffer, scid: Buffer, payloadLength = 64): Buffer {
  return Buffer.concat([u8(0xe1), u32(1), vec8(dcid), vec8(scid), varint(2 + payloadLength, 2), u16(0), randomBytes(payloadLength)]);
}

/** A Retry (RFC 9000 §17.2.5) with its integrity tag; `tamper` breaks the tag. */
export function retryPacket(o: { odcid: Buffer; dcid: Buffer; scid: Buffer; token: Buffer; tamper?: boolean }): Buffer {
  const body = Buffer.concat([u8(0xf0), u32(1), vec8(o.dcid), vec8(o.scid), o.token]);
  const tag = retryIntegrityTag(o.odcid, body);
  if (o.tamper) tag[0] ^= 0xff;
  return Buffer.concat([body, tag]);
}

/** Version Negotiation (RFC 9000 §17.2.1): the client's connection IDs echoed, swapped. */
export function versionNegotiation(dcid: Buffer, scid: Buffer, versions: number[]): Buffer {
  return Buffer.concat([u8(0x80 | (randomBytes(1)[0] & 0x7f)), u32(0), vec8(dcid), vec8(scid), ...versions.map(u32)]);
}

// ---- the server ----

/** What the server does with the n-th Initial (0-based) it receives: datagrams to send, each after a delay. */
export type Script = (initial: InitialSeen, n: number) => Array<{ dgram: Buffer; delayMs?: number }>;

export interface ScriptedServer {
  port: number;
  /** Every client Initial received, decrypted. */
  seen: InitialSeen[];
  /** Datagrams received that were not a client Initial. */
  strays: number;
  close(): Promise<void>;
}

/** Replies to a client Initial as a real server would: to its SCID, from a fresh server connection ID. */
export function replyTo(i: InitialSeen, frames: Buffer, pn = 0): Buffer {
  return serverInitial({ odcid: i.dcid, dcid: i.scid, scid: Buffer.from('5e5e5e5e5e5e5e5e', 'hex'), pn, frames });
}

export function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const sock: Socket = createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  const server: ScriptedServer = {
    port: 0,
    seen: [],
    strays: 0,
    close: () =>
      new Promise<void>((res) => {
        for (const t of timers) clearTimeout(t);
        sock.close(() => res());
      }),
  };
  sock.on('error', () => {});
  sock.on('message', (msg, rinfo) => {
    const parsed = readClientInitial(msg);
    if (!parsed) {
      server.strays++;
      return;
    }
    const initial: InitialSeen = { ...parsed, at: performance.now() };
    const n = server.seen.push(initial) - 1;
    for (const { dgram, delayMs } of script(initial, n)) {
      const t = setTimeout(() => {
        timers.delete(t);
        sock.send(dgram, rinfo.port, rinfo.address);
      }, delayMs ?? 0);
      timers.add(t);
    }
  });
  return new Promise((res) =>
    sock.bind(0, '127.0.0.1', () => {
      server.port = (sock.address() as AddressInfo).port;
      res(server);
    }),
  );
}
