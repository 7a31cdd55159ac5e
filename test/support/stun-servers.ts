/**
 * STUN servers for the udp tests: Debian's coturn (a real STUN server, started per suite on a
 * free loopback port) and small scripted UDP servers that answer wrongly, flood, or stay silent.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindingRequest, newTransactionId, readResponse } from '../../src/net/stun/index.js';
import { endChild, startChild } from './children.js';
import { freePort } from './local-process.js';

/** True when coturn's turnserver can be run (Debian package coturn). */
export function hasTurnserver(): boolean {
  return spawnSync('turnserver', ['--help'], { stdio: 'ignore' }).error === undefined;
}

export interface Coturn {
  port: number;
  /** What turnserver logged, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

/** Asks `host:port` for a binding until a success response comes back (the server is ready). */
async function answers(host: string, port: number): Promise<boolean> {
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sock.on('error', () => {});
  const txid = newTransactionId();
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      sock.on('message', (msg) => {
        if (readResponse(msg, txid).kind === 'binding_success') {
          clearTimeout(timer);
          resolve(true);
        }
      });
      sock.send(bindingRequest(txid), port, host);
    });
  } finally {
    sock.close();
  }
}

/**
 * turnserver as a STUN-only server on 127.0.0.1 and ::1: no config file (-n), no TLS/DTLS,
 * no CLI, no RFC 5780 second port; its SQLite user database and pid file in a temp folder.
 */
export async function startCoturn(): Promise<Coturn> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bw-coturn-'));
  const args = [
    '-n',
    '--listening-ip=127.0.0.1',
    '--listening-ip=::1',
    `--listening-port=${port}`,
    '--stun-only',
    '--no-cli',
    '--no-tls',
    '--no-dtls',
    '--no-rfc5780',
    '--log-file=stdout',
    '--simple-log',
    `--userdb=${join(dir, 'turndb')}`,
    `--pidfile=${join(dir, 'turnserver.pid')}`,
  ];
  const child: ChildProcess = startChild('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const close = async (): Promise<void> => {
    await endChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if ((await answers('127.0.0.1', port)) && (await answers('::1', port))) return { port, log: () => out, close };
  }
  await close();
  throw new Error(`turnserver did not answer on port ${port}: ${out}`);
}

/** A scripted UDP server: what it received, and when (performance.now() ms). */
export interface ScriptedServer {
  port: number;
  received: { at: number; msg: Buffer }[];
  close(): void;
}

/** A UDP server on `host` (default 127.0.0.1, any free port unless given) that answers each datagram with whatever `reply` returns. */
export function startScripted(reply: (msg: Buffer, from: RemoteInfo) => Buffer[], host = '127.0.0.1', port = 0): Promise<ScriptedServer> {
  return new Promise((resolve) => {
    const sock: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const received: ScriptedServer['received'] = [];
    sock.on('error', () => {});
    sock.on('message', (msg, from) => {
      received.push({ at: performance.now(), msg });
      for (const d of reply(msg, from)) sock.send(d, from.port, from.address);
    });
    sock.bind(port, host, () =>
      resolve({
        port: sock.address().port,
        received,
        close: () => sock.close(),
      }),
    );
  });
}

/**
 * A Binding success response for `request`, built by hand (RFC 8489 §5, §14.2) so the tests do
 * not check the codec against itself: XOR-MAPPED-ADDRESS with the sender's IPv4 address.
 */
export function successFor(request: Buffer, from: { address: string; port: number }, opts: { txid?: Buffer } = {}): Buffer {
  const msg = Buffer.alloc(32);
  msg.writeUInt16BE(0x0101, 0);
  msg.writeUInt16BE(12, 2);
  msg.writeUInt32BE(0x2112a442, 4);
  (opts.txid ?? request.subarray(8, 20)).copy(msg, 8);
  msg.writeUInt16BE(0x0020, 20);
  msg.writeUInt16BE(8, 22);
  msg.writeUInt8(0x01, 25);
  msg.writeUInt16BE(from.port ^ 0x2112, 26);
  const ip = from.address.split('.').map(Number);
  msg.writeUInt32BE((((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) ^ 0x2112a442) >>> 0, 28);
  return msg;
}

/** A Binding error response for `request` with ERROR-CODE `code` (RFC 8489 §14.8) and a reason. */
export function errorFor(request: Buffer, code: number, reason: string): Buffer {
  const text = Buffer.from(reason);
  const padded = (text.length + 3) & ~3;
  const msg = Buffer.alloc(20 + 4 + 4 + padded);
  msg.writeUInt16BE(0x0111, 0);
  msg.writeUInt16BE(msg.length - 20, 2);
  msg.writeUInt32BE(0x2112a442, 4);
  request.copy(msg, 8, 8, 20);
  msg.writeUInt16BE(0x0009, 20);
  msg.writeUInt16BE(4 + text.length, 22);
  msg.writeUInt8(Math.floor(code / 100), 26);
  msg.writeUInt8(code % 100, 27);
  text.copy(msg, 28);
  return msg;
}

/** A UDP port on 127.0.0.1 with nothing bound to it: the kernel answers ICMP port unreachable. */
export function closedUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}
