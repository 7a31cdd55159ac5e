/**
 * A real MTProto peer on TCP for tests and the lab: it tells the transport from the client's
 * first bytes (abridged 0xef, intermediate 0xeeeeeeee, padded intermediate 0xdddddddd, or an
 * obfuscated2 header, whose keys it derives the server's way), reads req_pq_multi from an
 * unencrypted message and answers with resPQ: the client's nonce, a fresh server_nonce, a pq
 * that is the product of two primes (as the documentation's sample), and key fingerprints,
 * framed in the client's transport. A query it cannot read gets transport error -404, as
 * Telegram's servers answer an incorrect handshake query (core.telegram.org/mtproto/auth_key,
 * step 6; /mtproto/mtproto-transports, "Transport errors").
 *
 * Modes stand in for a censor or an outage: silent, reset or close after the client's first
 * bytes, a framed answer that is no MTProto message (garbage), a resPQ for another nonce, or
 * transport error -404. The framing and TL encoders are blockwatch's own (pinned to the
 * documentation's samples by their tests); reading the client and obfuscated2's server side
 * are written here afresh, so the client is checked against a second reading of the docs.
 */
import { createCipheriv, generatePrimeSync, randomBytes, type Cipher } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { frame, plainMessage, resPq, type Framing } from '../../src/net/mtproto/index.js';

export const MTPROTO_PEER_MODES = ['answer', 'silent', 'reset', 'close', 'garbage', 'wrong_nonce', 'transport_error'] as const;
export type MtprotoPeerMode = (typeof MTPROTO_PEER_MODES)[number];

export type PeerTransport = Framing | 'obfuscated2';

/** What the peer saw on one connection. */
export interface PeerConnection {
  remote: string;
  transport: PeerTransport | null;
  /** The framing inside obfuscated2 (or the plain framing). */
  framing: Framing | null;
  /** The DC id of an obfuscated2 header. */
  dc: number | null;
  /** The nonce of the req_pq_multi read, as hex. */
  nonce: string | null;
  /** Bytes the client sent. */
  received: number;
}

export interface MtprotoServerOptions {
  host?: string;
  port?: number;
  /** What to do on a connection, or how to choose from the client's address; default answer. */
  mode?: MtprotoPeerMode | ((remote: string) => MtprotoPeerMode);
  /** Fingerprints listed in resPQ (8 bytes each); default the three of samples-auth_key. */
  fingerprints?: Buffer[];
}

export interface MtprotoServer {
  host: string;
  port: number;
  connections: PeerConnection[];
  setMode(mode: MtprotoPeerMode | ((remote: string) => MtprotoPeerMode)): void;
  close(): Promise<void>;
}

/** samples-auth_key's fingerprints, as the page writes them. */
export const SAMPLE_FINGERPRINTS = ['A5B7F709355FC30B', '216BE86C022BB4C3', '85FD64DE851D9DD0'].map((h) => Buffer.from(h, 'hex'));

const REQ_PQ_MULTI = 0xbe7e8ef1;
/** More than any first flight (a 64-byte header and a req_pq_multi): a client sending this much is not one. */
const MAX_CLIENT_BYTES = 64 * 1024;
const TAGS: Record<string, Framing> = { efefefef: 'abridged', eeeeeeee: 'intermediate', dddddddd: 'padded_intermediate' };

/** pq as the docs make it: the product of two different odd primes, below 2^63 (auth_key, step 2). */
export function makePq(): Buffer {
  const p = generatePrimeSync(31, { bigint: true });
  let q = generatePrimeSync(31, { bigint: true });
  while (q === p) q = generatePrimeSync(31, { bigint: true });
  let hex = (p * q).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

/** A server message id answering a client message: about unixtime × 2^32, 1 modulo 4 (description). */
function serverMessageId(): bigint {
  const now = Date.now();
  const frac = BigInt(Math.floor(((now % 1000) / 1000) * 2 ** 32)) & ~3n;
  return (BigInt(Math.floor(now / 1000)) << 32n) | frac | 1n;
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

class PeerSession {
  private buf: Buffer = Buffer.alloc(0);
  private framing: Framing | null = null;
  private decrypt: Cipher | null = null;
  private encrypt: Cipher | null = null;
  private answered = false;

  constructor(
    private readonly sock: Socket,
    private readonly mode: MtprotoPeerMode,
    private readonly seen: PeerConnection,
    private readonly fingerprints: Buffer[],
  ) {}

  onData(chunk: Buffer): void {
    this.seen.received += chunk.length;
    if (this.seen.received > MAX_CLIENT_BYTES) return void this.sock.destroy();
    if (this.mode === 'silent' || this.answered) return;
    if (this.mode === 'reset') return void this.sock.resetAndDestroy();
    if (this.mode === 'close') return void this.sock.end();
    const clear = this.decrypt ? this.decrypt.update(chunk) : chunk;
    this.buf = Buffer.concat([this.buf, clear]);
    if (!this.framing && !this.detect()) return;
    const payload = this.takeFrame();
    if (payload) this.answer(payload);
  }

  /** Tells the transport from the first bytes; false while more are needed. An unknown start is closed. */
  private detect(): boolean {
    const b = this.buf;
    if (b.length >= 1 && b[0] === 0xef) return this.plain('abridged', 1);
    if (b.length < 4) return false;
    const first = b.subarray(0, 4).toString('hex');
    if (first === 'eeeeeeee') return this.plain('intermediate', 4);
    if (first === 'dddddddd') return this.plain('padded_intermediate', 4);
    if (b.length < 64) return false;
    // The server's side of obfuscated2: it reads with the header's own key and IV (bytes 8–40 and
    // 40–56), and writes with those of the header reversed.
    const header = b.subarray(0, 64);
    const rev = Buffer.from(header).reverse();
    const decrypt = createCipheriv('aes-256-ctr', header.subarray(8, 40), header.subarray(40, 56));
    const clearHeader = decrypt.update(header);
    const framing = TAGS[clearHeader.subarray(56, 60).toString('hex')];
    if (!framing) {
      this.sock.destroy();
      return false;
    }
    this.decrypt = decrypt;
    this.encrypt = createCipheriv('aes-256-ctr', rev.subarray(8, 40), rev.subarray(40, 56));
    this.seen.transport = 'obfuscated2';
    this.seen.framing = framing;
    this.seen.dc = clearHeader.readInt16LE(60);
    this.framing = framing;
    this.buf = decrypt.update(b.subarray(64));
    return true;
  }

  private plain(framing: Framing, tagBytes: number): boolean {
    this.framing = framing;
    this.seen.transport = framing;
    this.seen.framing = framing;
    this.buf = this.buf.subarray(tagBytes);
    return true;
  }

  /** The client's next payload, or null while it is incomplete. */
  private takeFrame(): Buffer | null {
    const b = this.buf;
    let head: number;
    let len: number;
    if (this.framing === 'abridged') {
      if (b.length < 1) return null;
      // The high bit asks for a quick ACK; the rest is the length in words, or 0x7f and three bytes.
      const first = b[0] & 0x7f;
      if (first === 0x7f) {
        if (b.length < 4) return null;
        [head, len] = [4, b.readUIntLE(1, 3) * 4];
      } else [head, len] = [1, first * 4];
    } else {
      if (b.length < 4) return null;
      [head, len] = [4, b.readUInt32LE(0) & 0x7fffffff];
    }
    if (b.length < head + len) return null;
    return b.subarray(head, head + len);
  }

  private send(payload: Buffer): void {
    const framed = frame(this.framing!, payload);
    this.sock.write(this.encrypt ? this.encrypt.update(framed) : framed);
  }

  private answer(payload: Buffer): void {
    this.answered = true;
    const nonce = this.readReqPqMulti(payload);
    if (!nonce || this.mode === 'transport_error') return this.send(int32(-404));
    this.seen.nonce = nonce.toString('hex');
    if (this.mode === 'garbage') return this.send(Buffer.from('this is not an MTProto message..'));
    const res = resPq({
      nonce: this.mode === 'wrong_nonce' ? randomBytes(16) : nonce,
      serverNonce: randomBytes(16),
      pq: makePq(),
      fingerprints: this.fingerprints,
    });
    this.send(plainMessage(serverMessageId(), res));
  }

  /** The nonce of an unencrypted req_pq_multi, or null when the payload is anything else. */
  private readReqPqMulti(p: Buffer): Buffer | null {
    if (p.length < 40 || p.readBigUInt64LE(0) !== 0n || p.readUInt32LE(16) !== 20) return null;
    if (p.readUInt32LE(20) !== REQ_PQ_MULTI) return null;
    return Buffer.from(p.subarray(24, 40));
  }
}

export async function startMtprotoServer(o: MtprotoServerOptions = {}): Promise<MtprotoServer> {
  let mode = o.mode ?? 'answer';
  const connections: PeerConnection[] = [];
  const socks = new Set<Socket>();
  const fingerprints = o.fingerprints ?? SAMPLE_FINGERPRINTS;
  const server = createServer((sock) => {
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => {});
    const remote = sock.remoteAddress ?? '';
    const seen: PeerConnection = { remote, transport: null, framing: null, dc: null, nonce: null, received: 0 };
    connections.push(seen);
    const session = new PeerSession(sock, typeof mode === 'function' ? mode(remote) : mode, seen, fingerprints);
    sock.on('data', (c: Buffer) => session.onData(c));
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(o.port ?? 0, host, () => res());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    connections,
    setMode(m) {
      mode = m;
    },
    async close() {
      for (const s of socks) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
