/** A loopback DNS server (UDP and TCP on one port) that answers, stays silent, lies, or misbehaves per name. */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';

export type Behaviour =
  | { kind: 'answer'; a?: string[]; aaaa?: string[]; cname?: string; ttl?: number }
  | { kind: 'rcode'; rcode: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' }
  | { kind: 'silent' }
  /** A forged reply at once, the true one `delayMs` later: what an on-path injector produces. */
  | { kind: 'inject'; forged: string[]; real: string[]; delayMs: number }
  | { kind: 'wrong_id' }
  | { kind: 'malformed' }
  | { kind: 'oversize' }
  /** The first query for a name and type is lost; retransmissions are answered. */
  | { kind: 'lose_first'; a: string[] };

export interface DnsServer {
  host: string;
  port: number;
  /** Queries seen, as `name/type`. */
  seen: string[];
  close(): Promise<void>;
}

type Rules = (name: string, type: string) => Behaviour;

function reply(query: dnsPacket.DecodedPacket, b: Behaviour, override?: { id?: number; a?: string[] }): Buffer {
  const q = query.questions![0];
  const answers: dnsPacket.Answer[] = [];
  let rcode = 'NOERROR';
  if (b.kind === 'answer' || b.kind === 'inject') {
    const ttl = b.kind === 'answer' ? (b.ttl ?? 60) : 60;
    let name = q.name;
    if (b.kind === 'answer' && b.cname) {
      answers.push({ type: 'CNAME', name, ttl, data: b.cname });
      name = b.cname;
    }
    const v4 = override?.a ?? (b.kind === 'answer' ? (b.a ?? []) : b.real);
    const v6 = b.kind === 'answer' ? (b.aaaa ?? []) : [];
    if (q.type === 'A') for (const ip of v4) answers.push({ type: 'A', name, ttl, data: ip });
    if (q.type === 'AAAA') for (const ip of v6) answers.push({ type: 'AAAA', name, ttl, data: ip });
  } else if (b.kind === 'rcode') {
    rcode = b.rcode;
  }
  const rcodeNum = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 }[rcode] ?? 0;
  return dnsPacket.encode({
    type: 'response',
    id: override?.id ?? query.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcodeNum,
    questions: [q],
    answers,
  });
}

/** The reply (or replies, with delays) a behaviour produces for one query; empty for silence. */
export function respond(msg: Buffer, rules: Rules, seen: string[]): Array<{ buf: Buffer; delayMs: number }> {
  const query = dnsPacket.decode(msg);
  const q = query.questions?.[0];
  if (!q) return [];
  seen.push(`${q.name}/${q.type}`);
  const b = rules(q.name.toLowerCase(), q.type);
  switch (b.kind) {
    case 'silent':
      return [];
    case 'lose_first':
      if (seen.filter((x) => x === `${q.name}/${q.type}`).length === 1) return [];
      return [{ buf: reply(query, { kind: 'answer', a: b.a }), delayMs: 0 }];
    case 'inject':
      return [
        { buf: reply(query, b, { a: q.type === 'A' ? b.forged : [] }), delayMs: 0 },
        { buf: reply(query, b), delayMs: b.delayMs },
      ];
    case 'wrong_id':
      return [{ buf: reply(query, { kind: 'answer', a: ['192.0.2.66'] }, { id: (query.id! + 1) & 0xffff }), delayMs: 0 }];
    case 'malformed': {
      // A header claiming one answer that is not there.
      const r = reply(query, { kind: 'answer' });
      r.writeUInt16BE(1, 6);
      return [{ buf: r.subarray(0, r.length), delayMs: 0 }];
    }
    case 'oversize':
      return [{ buf: Buffer.concat([reply(query, { kind: 'answer', a: ['192.0.2.1'] }), Buffer.alloc(70_000)]), delayMs: 0 }];
    default:
      return [{ buf: reply(query, b), delayMs: 0 }];
  }
}

/**
 * Starts a server that wants UDP and TCP on one port number: another process may hold the TCP
 * side of a free UDP port, so it tries again (ten times) on EADDRINUSE.
 */
export async function onSharedPort<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw err;
    }
  }
}

export const startDnsServer = (rules: Rules, host = '127.0.0.1'): Promise<DnsServer> => onSharedPort(() => startOnce(rules, host));

async function startOnce(rules: Rules, host: string): Promise<DnsServer> {
  const seen: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const udp: UdpSocket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((res) => udp.bind(0, host, () => res()));
  const port = udp.address().port;
  udp.on('message', (msg, rinfo) => {
    let replies: Array<{ buf: Buffer; delayMs: number }>;
    try {
      replies = respond(msg, rules, seen);
    } catch {
      // A datagram that is no DNS query (or is cut) is dropped, as a server drops it: never a crash of the test run.
      return;
    }
    for (const { buf, delayMs } of replies) {
      // Datagrams are capped at 65,507 bytes; oversize replies are cut to that.
      const out = buf.subarray(0, 65_000);
      const send = (): void => udp.send(out, rinfo.port, rinfo.address);
      if (delayMs > 0) {
        const t = setTimeout(() => (timers.delete(t), send()), delayMs);
        timers.add(t);
      } else send();
    }
  });
  const conns = new Set<Socket>();
  const tcp: Server = createServer((sock) => {
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        const len = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        let first: { buf: Buffer; delayMs: number } | undefined;
        try {
          first = respond(msg, rules, seen)[0];
        } catch {
          // Not a DNS query: the connection goes, as a server closes it.
          sock.destroy();
          return;
        }
        if (!first) continue;
        const head = Buffer.alloc(2);
        // For an oversize reply the length prefix says what the cap allows and more bytes follow.
        head.writeUInt16BE(Math.min(first.buf.length, 0xffff));
        sock.write(Buffer.concat([head, first.buf]));
      }
    });
  });
  try {
    await new Promise<void>((res, rej) => tcp.once('error', rej).listen(port, host, () => res()));
  } catch (err) {
    udp.close();
    throw err;
  }
  return {
    host,
    port,
    seen,
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const c of conns) c.destroy();
      udp.close();
      await new Promise<void>((res) => tcp.close(() => res()));
    },
  };
}
