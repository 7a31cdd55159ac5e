// The direct datagram connector against real loopback UDP sockets: echo, ICMP refusal, binding, other sources, abort.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectDatagramConnector, makeDatagramConnector } from '../../../src/net/datagram/index.js';
import { toFailure } from '../../../src/net/errors.js';
import type { DatagramChannel } from '../../../src/net/types.js';

function udpServer(onMessage: (s: Socket, msg: Buffer, port: number, address: string) => void): Promise<{ sock: Socket; port: number }> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.on('message', (msg, r) => onMessage(sock, msg, r.port, r.address));
    sock.bind(0, '127.0.0.1', () => resolve({ sock, port: (sock.address() as AddressInfo).port }));
  });
}

function firstMessage(ch: DatagramChannel): Promise<{ msg: string; from: string }> {
  return new Promise((resolve, reject) => {
    ch.onMessage((msg, from) => resolve({ msg: msg.toString(), from }));
    ch.onError(reject);
  });
}

let echo: { sock: Socket; port: number };
beforeAll(async () => {
  echo = await udpServer((s, msg, port, address) => s.send(Buffer.concat([Buffer.from(`${address}:`), msg]), port, address));
});
afterAll(() => echo.sock.close());

const sig = () => ({ signal: AbortSignal.timeout(2000) });

describe('direct datagram connector', () => {
  it('sends a datagram and hears the peer, naming where it came from', async () => {
    const ch = await new DirectDatagramConnector().open('127.0.0.1', echo.port, sig());
    const got = firstMessage(ch);
    ch.send(Buffer.from('ping'));
    expect(await got).toEqual({ msg: '127.0.0.1:ping', from: `127.0.0.1:${echo.port}` });
    expect(ch.remote).toBe(`127.0.0.1:${echo.port}`);
    ch.close();
  });

  it('binds the source address when the vantage has one', async () => {
    const ch = await makeDatagramConnector({ localAddress: '127.0.0.2' }).open('127.0.0.1', echo.port, sig());
    const got = firstMessage(ch);
    ch.send(Buffer.from('x'));
    expect((await got).msg).toBe('127.0.0.2:x');
    ch.close();
  });

  it('reports ICMP port unreachable as an error that maps to connection_refused', async () => {
    const idle = await udpServer(() => {});
    const port = idle.port;
    idle.sock.close();
    const ch = await new DirectDatagramConnector().open('127.0.0.1', port, sig());
    const err = await new Promise<Error>((resolve) => {
      ch.onError(resolve);
      ch.send(Buffer.from('anyone?'));
    });
    expect(toFailure(err, 'read').failure).toBe('connection_refused');
    ch.close();
  });

  it('never delivers a datagram from another source than the peer', async () => {
    const quiet = await udpServer(() => {});
    const ch = await new DirectDatagramConnector().open('127.0.0.1', quiet.port, sig());
    const seen: string[] = [];
    ch.onMessage((m) => seen.push(m.toString()));
    // A spoofer on another port aims at the channel's local port.
    const local = (ch as unknown as { sock: Socket }).sock.address() as AddressInfo;
    const spoofer = createSocket('udp4');
    await new Promise<void>((r) => spoofer.send('forged', local.port, '127.0.0.1', () => r()));
    quiet.sock.send('genuine', local.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(['genuine']);
    ch.close();
    spoofer.close();
    quiet.sock.close();
  });

  it('rejects with the signal reason when aborted before opening', async () => {
    const ac = new AbortController();
    ac.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(new DirectDatagramConnector().open('127.0.0.1', echo.port, { signal: ac.signal })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('refuses every path through an HTTP CONNECT proxy as the vantage’s own failure', async () => {
    const c = makeDatagramConnector({ proxy: { type: 'http', host: '127.0.0.1', port: 3128 } });
    const err = await c.open('127.0.0.1', echo.port, sig()).catch((e: unknown) => e);
    expect(toFailure(err, 'connect').failure).toMatch(/^unknown_failure: proxy_refused \(udp: /);
  });
});

describe.skipIf(process.getuid?.() !== 0)('direct datagram connector without a route (root: a namespace with only loopback)', () => {
  it('fails with network_unreachable instead of handing back an unconnected channel', async () => {
    const ns = `bwl-${process.pid}-noroute`;
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const module = new URL('../../../dist/src/net/datagram/direct.js', import.meta.url).pathname;
      const errors = new URL('../../../dist/src/net/errors.js', import.meta.url).pathname;
      const script = `
        const { openUdp } = await import(${JSON.stringify(module)});
        const { toFailure } = await import(${JSON.stringify(errors)});
        try { (await openUdp('192.0.2.1', 3478, AbortSignal.timeout(2000))).close(); console.log('opened'); }
        catch (e) { console.log(toFailure(e, 'connect').failure); }`;
      const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(out.trim()).toBe('network_unreachable');
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
