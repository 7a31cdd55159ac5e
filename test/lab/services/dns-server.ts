/**
 * A lab resolver over UDP, TCP and DoH: truthful from its zone, or lying per name as a
 * scenario tells it (an error rcode, silence, an empty or false answer, or a forged reply
 * raced ahead of the true one, the way an on-path injector does).
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import * as packet from 'dns-packet';

export type Rcode = 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';

/** How the resolver answers one name; absent fields mean "as the zone says". */
export interface DnsRule {
  rcode?: Rcode;
  /** Never reply. */
  silence?: boolean;
  /** NOERROR with no answer. */
  empty?: boolean;
  /** Answer these A records instead of the zone's. */
  answer?: string[];
  /** Send a forged reply with these A records first, then the true reply to the same query. */
  inject?: string[];
}

export interface DnsServerSpec {
  address: string;
  port?: number;
  /** name → IPv4 addresses. */
  zone: Record<string, string[]>;
  doh?: { port: number; cert: string; key: string };
}

export interface DnsServer {
  setRule(name: string, rule: DnsRule | null): void;
  clearRules(): void;
  close(): Promise<void>;
}

const RCODES: Record<Rcode | 'NOERROR', number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };
const FLAG_RD = 0x100;
const FLAG_RA = 0x80;
const FLAG_AA = 0x400;
/** The forged reply leads the true one by this much, as an injector close to the client would. */
const INJECT_LEAD_MS = 30;
const MAX_QUERY_BYTES = 4096;

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export async function startDnsServer(spec: DnsServerSpec): Promise<DnsServer> {
  const zone = new Map(Object.entries(spec.zone).map(([k, v]) => [norm(k), v]));
  const rules = new Map<string, DnsRule>();

  function reply(q: packet.Packet, rcode: keyof typeof RCODES, addresses: string[]): Buffer {
    const question = q.questions?.[0];
    const answers: packet.Answer[] =
      question && question.type === 'A'
        ? addresses.map((ip) => ({ type: 'A', name: question.name, ttl: 60, class: 'IN', data: ip }) as packet.Answer)
        : [];
    return packet.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: FLAG_RD | FLAG_RA | FLAG_AA | RCODES[rcode],
      questions: q.questions ?? [],
      answers,
    });
  }

  /** The true reply and, when the rule says so, a forged one to send first; null for silence. */
  function answer(q: packet.Packet): { forged?: Buffer; real: Buffer } | null {
    const name = norm(q.questions?.[0]?.name ?? '');
    const rule = rules.get(name) ?? {};
    if (rule.silence) return null;
    if (rule.rcode) return { real: reply(q, rule.rcode, []) };
    if (rule.empty) return { real: reply(q, 'NOERROR', []) };
    const truth = zone.get(name);
    const real = rule.answer ? reply(q, 'NOERROR', rule.answer) : truth ? reply(q, 'NOERROR', truth) : reply(q, 'NXDOMAIN', []);
    const forged = rule.inject && q.questions?.[0]?.type === 'A' ? reply(q, 'NOERROR', rule.inject) : undefined;
    return { forged, real };
  }

  function decode(buf: Buffer): packet.Packet | null {
    try {
      return packet.decode(buf);
    } catch {
      return null; // malformed queries are ignored, like a real resolver would drop them
    }
  }

  const port = spec.port ?? 53;
  const udp: UdpSocket = createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  udp.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const q = decode(msg);
    if (!q) return;
    const a = answer(q);
    if (!a) return;
    if (a.forged) {
      udp.send(a.forged, rinfo.port, rinfo.address);
      const t = setTimeout(() => {
        timers.delete(t);
        udp.send(a.real, rinfo.port, rinfo.address);
      }, INJECT_LEAD_MS);
      timers.add(t);
    } else {
      udp.send(a.real, rinfo.port, rinfo.address);
    }
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, spec.address, () => resolve());
  });

  const sockets = new Set<Socket>();
  const tcp: TcpServer = createTcpServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(10_000, () => sock.destroy());
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_QUERY_BYTES) return sock.destroy();
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const q = decode(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        const a = q && answer(q);
        if (!a) continue;
        const head = Buffer.alloc(2);
        head.writeUInt16BE(a.real.length);
        sock.write(Buffer.concat([head, a.real]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, spec.address, () => resolve());
  });

  let doh: HttpsServer | null = null;
  if (spec.doh) {
    doh = createHttpsServer({ cert: spec.doh.cert, key: spec.doh.key }, (req, res) => {
      const url = new URL(req.url ?? '/', 'https://lab');
      if (url.pathname !== '/dns-query') {
        res.writeHead(404).end();
        return;
      }
      const respond = (msg: Buffer) => {
        const q = decode(msg);
        const a = q && answer(q);
        if (!a) return; // silence: the client's deadline ends it
        res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': a.real.length }).end(a.real);
      };
      if (req.method === 'GET') {
        const param = url.searchParams.get('dns');
        if (!param) return void res.writeHead(400).end();
        respond(Buffer.from(param, 'base64url'));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_QUERY_BYTES) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => respond(Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve, reject) => {
      doh!.once('error', reject);
      doh!.listen(spec.doh!.port, spec.address, () => resolve());
    });
  }

  return {
    setRule(name, rule) {
      if (rule) rules.set(norm(name), rule);
      else rules.delete(norm(name));
    },
    clearRules() {
      rules.clear();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      udp.close();
      await new Promise((r) => tcp.close(r));
      if (doh) {
        doh.closeAllConnections();
        await new Promise((r) => doh!.close(r));
      }
    },
  };
}
