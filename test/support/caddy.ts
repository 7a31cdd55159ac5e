/**
 * Debian's caddy on loopback: HTTP/3, a real QUIC stack (quic-go) for the QUIC exchange and
 * engine to talk to; or HTTPS over TCP, Go's crypto/tls for hand-written ClientHellos. The
 * certificate comes from the test PKI; caddy's state (autosaved config, storage) goes to a
 * throwaway directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './local-process.js';
import type { Leaf } from './pki.js';

export const CADDY = 'caddy';

/** Outside CI a machine without caddy skips the suites that need it; in CI a missing caddy fails them. */
export const HAVE_CADDY = spawnSync('sh', ['-c', `command -v ${CADDY}`]).status === 0;
export const CI = Boolean(process.env.CI);
if (!HAVE_CADDY && !CI) console.warn('skipping QUIC tests against caddy: caddy is not on PATH (Debian package caddy); CI is unset');

export interface Caddy {
  /** The port it listens on, on 127.0.0.1: UDP (and TCP) for HTTP/3, TCP for HTTPS. */
  port: number;
  log(): string;
  close(): Promise<void>;
}

type Protocols = 'h3' | 'h1 h2';

function caddyfile(port: number, names: string[], leaf: Leaf, dir: string, protocols: Protocols): string {
  return `{
	admin off
	auto_https disable_redirects
	skip_install_trust
	storage file_system ${join(dir, 'storage')}
	servers {
		protocols ${protocols}
	}
}
${names.map((n) => `https://${n}:${port}`).join(', ')} {
	bind 127.0.0.1
	tls ${leaf.certFile} ${leaf.keyFile}
	respond "ok"
}
`;
}

async function startOnce(names: string[], leaf: Leaf, protocols: Protocols): Promise<Caddy> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-caddy-'));
  const port = await freePort();
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, caddyfile(port, names, leaf, dir, protocols));
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
  const proc = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let out = '';
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  // caddy logs "server running" once its listeners are bound.
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`caddy did not start: ${out.slice(-2000)}`)), 20_000);
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('"msg":"server running"')) {
        clearTimeout(timer);
        res();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`caddy exited (${proc.exitCode}): ${out.slice(-2000)}`));
    });
  });
  return {
    port,
    log: () => out,
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts caddy for `names` with `leaf`; a port that turns out to be taken is tried again. */
async function startCaddy(names: string[], leaf: Leaf, protocols: Protocols): Promise<Caddy> {
  let last: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await startOnce(names, leaf, protocols);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** Caddy serving HTTP/3 only. */
export const startCaddyH3 = (names: string[], leaf: Leaf): Promise<Caddy> => startCaddy(names, leaf, 'h3');

/** Caddy serving HTTPS over TCP (HTTP/1.1 and HTTP/2). */
export const startCaddyTls = (names: string[], leaf: Leaf): Promise<Caddy> => startCaddy(names, leaf, 'h1 h2');
