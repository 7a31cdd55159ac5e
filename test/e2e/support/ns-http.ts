/**
 * HTTP to servers that listen on a network namespace's private loopback: a forwarder runs
 * inside the namespace and exposes each loopback port as a unix socket in a folder both
 * sides see (path sockets belong to the filesystem, not to the network namespace).
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';

/**
 * Runs inside the namespace as `node -e FORWARDER DIR PORT…`: for each PORT, DIR/PORT.sock
 * is piped to 127.0.0.1:PORT. Idle connections end after 30 s so that nothing lingers.
 */
const FORWARDER = `
const net = require('node:net');
const path = require('node:path');
const [dir, ...ports] = process.argv.slice(1);
let listening = 0;
for (const port of ports) {
  net.createServer((c) => {
    const up = net.connect(Number(port), '127.0.0.1');
    for (const s of [c, up]) { s.setTimeout(30000, () => { c.destroy(); up.destroy(); }); s.on('error', () => { c.destroy(); up.destroy(); }); }
    c.pipe(up).pipe(c);
  }).listen(path.join(dir, port + '.sock'), () => { if (++listening === ports.length) console.log('ready'); });
}
`;

/** Starts the forwarder with `spawn(cmd, args)` (e.g. the lab's spawn in its client namespace) and waits until it listens. */
export async function startForwarder(
  spawn: (cmd: string, args: string[]) => ChildProcess,
  dir: string,
  ports: number[],
): Promise<{ proc: ChildProcess; socket: (port: number) => string }> {
  const proc = spawn(process.execPath, ['-e', FORWARDER, dir, ...ports.map(String)]);
  await new Promise<void>((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new Error(`forwarder not ready after 60 s: ${err}`)), 60_000);
    proc.stderr?.on('data', (c: Buffer) => void (err += c.toString()));
    proc.stdout?.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) {
        clearTimeout(timer);
        res();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`forwarder exited ${code}: ${err}`));
    });
  });
  proc.removeAllListeners('exit');
  return { proc, socket: (port) => join(dir, `${port}.sock`) };
}

export interface Reply {
  status: number;
  text: string;
}

const MAX_BYTES = 16 * 1024 * 1024;

/** One HTTP request over a unix socket, with a deadline and a byte cap. */
export function httpOverSocket(
  socketPath: string,
  path: string,
  opts: { method?: string; form?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : '';
  return new Promise((res, rej) => {
    const req = request(
      {
        socketPath,
        path,
        method: opts.method ?? (opts.form ? 'POST' : 'GET'),
        timeout: opts.timeoutMs ?? 10_000,
        headers: opts.form ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {},
      },
      (r) => {
        const chunks: Buffer[] = [];
        let size = 0;
        r.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BYTES) req.destroy(new Error(`${path}: reply over ${MAX_BYTES} bytes`));
          else chunks.push(c);
        });
        r.on('end', () => res({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', rej);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: no reply within ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', rej);
    req.end(body);
  });
}
