/**
 * A loopback DNS server whose replies the test writes byte by byte: for hostile cases the
 * ordinary test server cannot produce (bad rdata, TC set, floods, replies from another socket,
 * a TCP side that trickles).
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';

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

export async function startRawDns(h: RawDnsHandlers, host = '127.0.0.1'): Promise<RawDns> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(h, host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw err;
    }
  }
}

async function startOnce(h: RawDnsHandlers, host: string): Promise<RawDns> {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, host, () => r()));
  const port = udp.address().port;
  const spoofer = createSocket('udp4');
  await new Promise<void>((r) => spoofer.bind(0, host, () => r()));
  udp.on('message', (msg, rinfo) => {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    h.udp(q, msg, (buf) => udp.send(buf, rinfo.port, rinfo.address), rinfo);
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
      for (const c of conns) c.destroy();
      udp.close();
      spoofer.close();
      await new Promise<void>((res) => tcp.close(() => res()));
    },
  };
}
