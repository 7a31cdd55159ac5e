/**
 * The lab's TLS box: a user-space TCP relay for TLS-inspecting censors (and, in the servers'
 * namespace, for a server slow to everyone). TCP 443 of an address is DNAT-ed to a relay of the
 * box, one relay and port per address; the relay reads the client's ClientHello, parses it with
 * src/net/tls-hello (server name, ECH, JA4) and applies the first matching rule
 * (tls-box-policy.ts): RST, silence, a held server flight, or a plain relay to the real server.
 * conntrack's reverse NAT gives the client the server's address back: transparent to it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ClientHelloError, ja4, parseClientHello } from '../../../src/net/tls-hello/index.js';
import { decide, type HelloView, type TlsBoxRule } from './tls-box-policy.js';

export interface TlsBoxSpec {
  /**
   * The box's own address (the censor's: A.TLS_BOX). Null: each relay listens on the address
   * it relays (in the servers' namespace, where that address is local).
   */
  address: string | null;
}

/** What a relay did with one flow, newest last; bounded. */
export interface FlowRecord {
  sni: string | null;
  ja4: string | null;
  ech: boolean;
  action: TlsBoxRule['action'];
}

export interface TlsRelayStats {
  port: number;
  rules: TlsBoxRule[];
  flows: number;
  passed: number;
  delayed: number;
  reset: number;
  dropped: number;
  recent: FlowRecord[];
}

export interface TlsBox {
  /** Relays TCP 443 of `upstream` under `rules`; returns the port to DNAT to. Again for the same address: new rules, same port. */
  relay(upstream: string, rules: TlsBoxRule[]): Promise<number>;
  unrelay(upstream: string): Promise<void>;
  stats(): Record<string, TlsRelayStats>;
  close(): Promise<void>;
}

const TLS_PORT = 443;
/** A client that has not sent a whole ClientHello by then is relayed as it is (nothing to judge). */
const HELLO_WAIT_MS = 3_000;
/** Past this many bytes without a whole ClientHello the flow is relayed as it is. */
const HELLO_CAP_BYTES = 64 * 1024;
/** A dropped flow is held open, silent, this long at most (the client gives up first). */
const DROP_HOLD_MS = 60_000;
const UPSTREAM_CONNECT_MS = 5_000;
const RECENT_FLOWS = 64;
/** TLS record content types (RFC 8446 §5.1). */
const APPLICATION_DATA = 23;

/** Sends a TCP RST to the client: the censor's reset. */
function reset(sock: Socket): void {
  try {
    sock.resetAndDestroy();
  } catch {
    sock.destroy();
  }
}

/** What the box reads from the first bytes: the hello's view, `wait` for more bytes, or null (no ClientHello: relay as is). */
function readHello(bytes: Buffer): { view: HelloView; length: number } | 'wait' | null {
  const h = parseClientHello(bytes);
  if (h instanceof ClientHelloError) return h.code === 'truncated' && bytes.length < HELLO_CAP_BYTES ? 'wait' : null;
  return { view: { sni: h.serverName, ech: h.ech !== null, ja4: ja4(h) }, length: h.length };
}

/**
 * Follows the client's TLS records after its ClientHello and says when the first
 * application_data record starts: in TLS 1.3 the client's Finished, in 1.2 its request; the
 * server's next bytes are its answer (session tickets and the response in 1.3).
 */
function appDataWatcher(onAppData: () => void): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let skip = 0;
  let seen = false;
  return (chunk) => {
    let pos = 0;
    while (!seen && pos < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - pos);
        skip -= n;
        pos += n;
        continue;
      }
      const need = 5 - header.length;
      header = Buffer.concat([header, chunk.subarray(pos, pos + need)]);
      pos += Math.min(need, chunk.length - pos);
      if (header.length < 5) return;
      if (header[0] === APPLICATION_DATA) {
        seen = true;
        onAppData();
        return;
      }
      skip = header.readUInt16BE(3);
      header = Buffer.alloc(0);
    }
  };
}

interface Relay {
  server: Server;
  port: number;
  rules: TlsBoxRule[];
  counts: Omit<TlsRelayStats, 'port' | 'rules' | 'recent'>;
  recent: FlowRecord[];
  sockets: Set<Socket>;
}

/** Relays one accepted client flow under the relay's rules. */
function handleFlow(client: Socket, upstream: string, relay: Relay): void {
  const { sockets, counts } = relay;
  sockets.add(client);
  client.on('close', () => sockets.delete(client));
  client.on('error', () => client.destroy());
  counts.flows++;
  let first = Buffer.alloc(0);
  let decided = false;

  const record = (view: HelloView | null, action: TlsBoxRule['action']): void => {
    relay.recent.push({ sni: view?.sni ?? null, ja4: view?.ja4 ?? null, ech: view?.ech ?? false, action });
    if (relay.recent.length > RECENT_FLOWS) relay.recent.shift();
  };

  const conclude = (hello: { view: HelloView; length: number } | null): void => {
    decided = true;
    clearTimeout(wait);
    client.removeListener('data', onFirst);
    const rule = decide(relay.rules, hello?.view ?? null);
    const action = rule?.action ?? 'pass';
    record(hello?.view ?? null, action);
    if (action === 'reset') {
      counts.reset++;
      reset(client);
      return;
    }
    if (action === 'drop') {
      counts.dropped++;
      // Silence: whatever else the client sends is swallowed; the client gives up on its own.
      client.on('data', () => {});
      client.on('end', () => client.destroy());
      client.setTimeout(DROP_HOLD_MS, () => client.destroy());
      return;
    }
    if (action === 'delay') counts.delayed++;
    else counts.passed++;
    forward(client, upstream, first, hello?.length ?? first.length, action === 'delay' ? rule! : null, sockets);
  };

  const onFirst = (chunk: Buffer): void => {
    first = Buffer.concat([first, chunk]);
    const hello = readHello(first);
    if (hello !== 'wait') conclude(hello);
  };
  const wait = setTimeout(() => {
    if (!decided) conclude(null);
  }, HELLO_WAIT_MS);
  client.on('data', onFirst);
  client.on('close', () => clearTimeout(wait));
}

/** Relays client ⇄ server, the client's first bytes first; a delay rule holds the server's bytes once, where its phase says. */
function forward(client: Socket, upstream: string, first: Buffer, helloLength: number, delay: TlsBoxRule | null, sockets: Set<Socket>): void {
  client.pause();
  const up = connect({ host: upstream, port: TLS_PORT });
  sockets.add(up);
  up.on('close', () => sockets.delete(up));
  up.setTimeout(UPSTREAM_CONNECT_MS, () => up.destroy(new Error('upstream connect timed out')));
  up.once('connect', () => up.setTimeout(0));
  // The server's reset or failure reaches the client as a reset; a close, as a close.
  up.on('error', () => reset(client));
  client.on('error', () => up.destroy());
  client.on('close', () => up.destroy());

  const phase = delay?.phase ?? 'handshake';
  let armed = delay !== null && phase === 'handshake';
  const watch = delay !== null && phase === 'response' ? appDataWatcher(() => (armed = true)) : null;
  let held: Buffer[] | null = null;
  let upEnded = false;

  up.on('data', (chunk: Buffer) => {
    if (held) {
      held.push(chunk);
      return;
    }
    if (armed) {
      armed = false;
      held = [chunk];
      setTimeout(() => {
        const out = Buffer.concat(held!);
        held = null;
        if (!client.destroyed) client.write(out);
        if (upEnded) client.end();
      }, delay!.delayMs ?? 0);
      return;
    }
    if (!client.write(chunk)) {
      up.pause();
      client.once('drain', () => up.resume());
    }
  });
  up.on('end', () => {
    if (held) upEnded = true;
    else client.end();
  });

  client.on('data', (chunk: Buffer) => {
    watch?.(chunk);
    if (!up.write(chunk)) {
      client.pause();
      up.once('drain', () => client.resume());
    }
  });
  client.on('end', () => up.end());
  up.once('connect', () => {
    up.write(first);
    watch?.(first.subarray(helloLength));
    client.resume();
  });
}

export function startTlsBox(spec: TlsBoxSpec): TlsBox {
  const relays = new Map<string, Relay>();
  return {
    async relay(upstream, rules) {
      const have = relays.get(upstream);
      if (have) {
        have.rules = rules;
        return have.port;
      }
      const relay: Relay = {
        server: createServer(),
        port: 0,
        rules,
        counts: { flows: 0, passed: 0, delayed: 0, reset: 0, dropped: 0 },
        recent: [],
        sockets: new Set(),
      };
      relay.server.on('connection', (s) => handleFlow(s, upstream, relay));
      await new Promise<void>((resolve, reject) => {
        relay.server.once('error', reject);
        relay.server.listen(0, spec.address ?? upstream, () => {
          relay.server.off('error', reject);
          resolve();
        });
      });
      relay.port = (relay.server.address() as { port: number }).port;
      relays.set(upstream, relay);
      return relay.port;
    },
    async unrelay(upstream) {
      const have = relays.get(upstream);
      relays.delete(upstream);
      if (!have) return;
      for (const s of have.sockets) s.destroy();
      await new Promise((r) => have.server.close(r));
    },
    stats() {
      return Object.fromEntries(
        [...relays].map(([ip, r]) => [ip, { port: r.port, rules: r.rules, ...r.counts, recent: [...r.recent] }]),
      );
    },
    async close() {
      await Promise.all([...relays.keys()].map((ip) => this.unrelay(ip)));
    },
  };
}
