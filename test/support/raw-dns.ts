/**
 * A loopback DNS server whose replies the test writes byte by byte: for hostile cases the
 * ordinary test server cannot produce (bad rdata, TC set, floods, replies from another socket,
 * a TCP side that trickles).
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { onSharedPort } from './dns-server.js';

export interface RawDns {
  host: string;
  port: number;
  /** A second UDP socket on another port, for replies that must not come from the server. */
  spoofer: UdpSocket;
  close(): Promise<void>;
}

export interface RawDnsHandlers {
  /** Called for each UDP query; send with `reply` (from the server's socket) or the spoofer. */
  udp(query: dnsPacket.DecodedPacket, msg: Buffer, reply: (buf: Buffer) => void, from: RemoteInfo): void;
  /** Called for each TCP connection with its first framed query; default: hold it silently. */
  tcp?(query: dnsPacket.DecodedPacket, sock: Socket): void;
}

/** A well-formed response to `q` with the given answers (and flags). */
export function answer(q: dnsPacket.DecodedPacket, answers: dnsPacket.Answer[], flags = 0): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | flags,
    questions: q.questions,
    answers,
  });
}

/** Frames a message for DNS over TCP. */
export function framed(buf: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(buf.length);
  return Buffer.concat([head, buf]);
}

export const startRawDns = (h: RawDnsHandlers, host = '127.0.0.1'): Promise<RawDns> => onSharedPort(() => startOnce(h, host));

async function startOnce(h: RawDnsHandlers, host: string): Promise<RawDns> {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, host, () => r()));
  const port = udp.address().port;
  let closed = false;
  const spoofer = createSocket('udp4');
  await new Promise<void>((r) => spoofer.bind(0, host, () => r()));
  udp.on('message', (msg, rinfo) => {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    // A handler may still be replying (a paced flood) once the test is over and the server closed: those replies go nowhere.
    h.udp(q, msg, (buf) => void (closed || udp.send(buf, rinfo.port, rinfo.address)), rinfo);
  });
  const conns = new Set<Socket>();
  const tcp: Server = createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        sock.off('data', onData);
        h.tcp?.(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))), sock);
      }
    };
    sock.on('data', onData);
  });
  try {
    await new Promise<void>((res, rej) => tcp.once('error', rej).listen(port, host, () => res()));
  } catch (err) {
    udp.close();
    spoofer.close();
    throw err;
  }
  return {
    host,
    port,
    spoofer,
    async close() {
      closed = true;
      for (const c of conns) c.destroy();
      udp.close();
      spoofer.close();
      await new Promise<void>((res) => tcp.close(() => res()));
    },
  };
}

/** A reply to `q` whose answer name is a compression pointer to itself (RFC 1035 §4.1.4 allows pointers only backwards). */
export function pointerLoop(q: dnsPacket.DecodedPacket): Buffer {
  const out = answer(q, [{ type: 'A', name: q.questions![0].name, ttl: 60, data: '192.0.2.1' }]);
  // The answer starts right after the question: name pointer (2), type, class, ttl, rdlength, rdata = 16 bytes.
  const at = out.length - 16;
  out.writeUInt16BE(0xc000 | at, at);
  return out;
}

/** A reply to `q` with `n` A records, 127.0.1.1 upwards (loopback: nothing beyond this machine is ever addressed). */
export function manyAnswers(q: dnsPacket.DecodedPacket, n: number): Buffer {
  const name = q.questions![0].name;
  const answers: dnsPacket.Answer[] =
    q.questions![0].type === 'A' ? Array.from({ length: n }, (_, i) => ({ type: 'A' as const, name, ttl: 60, data: `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}` })) : [];
  return answer(q, answers);
}
