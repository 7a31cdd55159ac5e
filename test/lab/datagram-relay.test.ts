/** The censor's user-space UDP relay on loopback: per-flow forwarding both ways, and a drop hook that condemns a whole flow. */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startDatagramRelay, type DatagramRelay } from './services/datagram-relay.js';

/** A UDP echo server that prefixes each answer, so an answer cannot be mistaken for the request. */
async function echoServer(): Promise<{ port: number; seen: string[]; close: () => void }> {
  const sock = createSocket('udp4');
  const seen: string[] = [];
  sock.on('error', () => {});
  sock.on('message', (msg, r) => {
    seen.push(`${r.port}:${msg.toString()}`);
    sock.send(Buffer.concat([Buffer.from('echo:'), msg]), r.port, r.address);
  });
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  return { port: sock.address().port, seen, close: () => sock.close() };
}

/** A client socket that sends to the relay and collects what comes back. */
async function client(relayPort: number): Promise<{ sock: Socket; got: string[]; send: (s: string) => void; port: number }> {
  const sock = createSocket('udp4');
  const got: string[] = [];
  sock.on('error', () => {});
  sock.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
  return { sock, got, send: (s) => sock.send(s, relayPort, '127.0.0.1'), port: sock.address().port };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

describe('datagram relay (the QUIC SNI box)', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function setup(shouldDrop: (d: Buffer) => boolean, opts: { maxFlows?: number } = {}) {
    const server = await echoServer();
    const relay: DatagramRelay = await startDatagramRelay({
      listen: { address: '127.0.0.1', port: 0 }, upstream: { address: '127.0.0.1', port: server.port }, shouldDrop, ...opts,
    });
    closers.push(() => relay.close(), () => server.close());
    const mk = async () => {
      const c = await client(relay.port);
      closers.push(() => c.sock.close());
      return c;
    };
    return { server, relay, mk };
  }

  it('forwards each client flow to the server from a socket of its own and brings the answers back', async () => {
    const { server, relay, mk } = await setup(() => false);
    const a = await mk();
    const b = await mk();
    a.send('a1');
    b.send('b1');
    await settle();
    a.send('a2');
    await settle();
    expect(a.got).toEqual(['echo:a1', 'echo:a2']);
    expect(b.got).toEqual(['echo:b1']);
    // Two flows, two upstream ports; a flow keeps its port.
    const ports = server.seen.map((s) => s.split(':')[0]);
    expect(new Set(ports).size).toBe(2);
    expect(ports[0]).toBe(ports[2]);
    expect(relay.stats()).toEqual({ flows: 2, forwarded: 3, returned: 3, dropped: 0, droppedFlows: 0 });
  });

  it('drops a flow from the first datagram the hook condemns, and leaves other flows alone', async () => {
    const { server, relay, mk } = await setup((d) => d.toString().startsWith('BAD'));
    const bad = await mk();
    const good = await mk();
    bad.send('hello');
    await settle();
    bad.send('BAD name');
    bad.send('innocent after');
    good.send('fine');
    await settle();
    expect(bad.got).toEqual(['echo:hello']);
    expect(good.got).toEqual(['echo:fine']);
    expect(server.seen.map((s) => s.split(':').slice(1).join(':'))).toEqual(['hello', 'fine']);
    expect(relay.stats()).toEqual({ flows: 2, forwarded: 2, returned: 2, dropped: 2, droppedFlows: 1 });
  });

  it('applies a new hook to datagrams that come after it is set', async () => {
    const { relay, mk } = await setup(() => false);
    const c = await mk();
    c.send('one');
    await settle();
    relay.setShouldDrop(() => true);
    c.send('two');
    await settle();
    expect(c.got).toEqual(['echo:one']);
    expect(relay.stats().droppedFlows).toBe(1);
  });

  it('keeps at most maxFlows flows, forgetting the oldest', async () => {
    const { relay, mk } = await setup(() => false, { maxFlows: 2 });
    for (const c of [await mk(), await mk(), await mk()]) {
      c.send('x');
      await settle();
    }
    expect(relay.stats()).toMatchObject({ flows: 2, forwarded: 3 });
  });
});
