/**
 * Captures the ClientHellos of the browsers installed here and of node:tls on loopback, and
 * writes them as hello profiles (probes/hellos/<name>.yaml) with their JA3 and JA4. Rerun it
 * when a browser updates: `npm run capture-hellos` (all), `-- chromium firefox` (some),
 * `-- --check` (compare fresh captures with the shipped files, write nothing).
 *
 * A loopback TCP server records the first ClientHello of a connection and closes it; the
 * browser is pointed at https://capture.test:<port>/ with the name mapped to 127.0.0.1, so the
 * hello carries a name as SNI. Each client is captured twice, from fresh profiles: two
 * different extension orders show a client that permutes them. No browser is downloaded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  BORINGSSL_PAYLOAD_LENGTHS,
  ClientHelloError,
  ja4,
  MAX_HELLO,
  parseClientHello,
  profileDocument,
  profileFingerprint,
  profileYaml,
  validateProfile,
  type CaptureMeta,
  type ClientHello,
  type ProfileIssue,
} from '../src/net/tls-hello/index.js';
import { SHIPPED_HELLOS } from '../src/package-root.js';

/** The name the hello carries; the browsers resolve it to 127.0.0.1 themselves. */
export const CAPTURE_NAME = 'capture.test';
/** How long a client may take to send its first hello (Firefox starts in 10–20 s here). */
const CAPTURE_TIMEOUT_MS = 90_000;

export interface Capture {
  /** The first hello. */
  parsed: ClientHello;
  /** The client's own words for its version. */
  version: string;
  /** The two captures sent their extensions in different orders. */
  shuffles: boolean;
  /** ECH payload lengths seen. */
  payloadLengths: number[];
}

/** A loopback server that hands over the first ClientHello of each connection, then closes it. */
async function helloServer(): Promise<{ port: number; next: () => Promise<Buffer>; close: () => Promise<void> }> {
  const waiting: Array<(b: Buffer | Error) => void> = [];
  const got: Array<Buffer | Error> = [];
  const deliver = (v: Buffer | Error): void => {
    const w = waiting.shift();
    if (w) w(v);
    else got.push(v);
  };
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const h = parseClientHello(buf);
      if (h instanceof ClientHelloError && h.code === 'truncated' && buf.length <= MAX_HELLO + 1024) return;
      sock.destroy();
      deliver(h instanceof ClientHelloError ? new Error(`not a ClientHello: ${h.message}`) : Buffer.from(buf.subarray(0, h.length)));
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    port: (server.address() as AddressInfo).port,
    next: () =>
      new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ClientHello within ${CAPTURE_TIMEOUT_MS / 1000} s`)), CAPTURE_TIMEOUT_MS);
        const settle = (v: Buffer | Error): void => {
          clearTimeout(timer);
          if (v instanceof Error) reject(v);
          else resolve(v);
        };
        const ready = got.shift();
        if (ready) settle(ready);
        else waiting.push(settle);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

function versionOf(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return (r.stdout || r.stderr || '').trim().split('\n').filter((l) => /\d+\.\d+/.test(l)).pop() ?? 'unknown version';
}

/** Starts a browser in its own process group, so that all it forks ends with it. */
function startBrowser(bin: string, args: string[], home: string): ChildProcess {
  return spawn(bin, args, { detached: true, stdio: 'ignore', env: { ...process.env, HOME: home } });
}

async function stopBrowser(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await exited;
}

/** Runs a browser at the capture server until its first hello arrives. */
async function captureBrowser(bin: string, args: (dir: string, url: string) => string[], prepare?: (dir: string) => void): Promise<Buffer> {
  const server = await helloServer();
  const dir = mkdtempSync(join(tmpdir(), 'bw-hello-'));
  prepare?.(dir);
  const child = startBrowser(bin, args(dir, `https://${CAPTURE_NAME}:${server.port}/`), dir);
  try {
    const exited = new Promise<never>((_, reject) => child.once('exit', (code, sig) => reject(new Error(`${bin} exited (${code ?? sig}) before sending a ClientHello`))));
    return await Promise.race([server.next(), exited]);
  } finally {
    await stopBrowser(child);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';

/** Chromium headless from a new, empty profile; the flags keep it off the (absent) network. */
function chromiumOnce(): Promise<Buffer> {
  return captureBrowser(CHROMIUM, (dir, url) => [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${dir}`,
    `--host-resolver-rules=MAP ${CAPTURE_NAME} 127.0.0.1`,
    url,
  ]);
}

/** Firefox's preferences for a capture: the name on loopback, and nothing that phones home. */
const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  'network.dns.localDomains': CAPTURE_NAME,
  'network.trr.mode': 5,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'app.update.enabled': false,
  'app.normandy.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.newtabpage.enabled': false,
  'browser.search.update': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'services.settings.server': 'http://127.0.0.1:1/',
};

function firefoxOnce(): Promise<Buffer> {
  return captureBrowser(
    FIREFOX,
    (dir, url) => ['--headless', '--no-remote', '--profile', dir, url],
    (dir) => writeFileSync(join(dir, 'user.js'), Object.entries(FIREFOX_PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n'),
  );
}

/** Node's own hello as the tls engine sends it: the name as SNI, ALPN h2 and http/1.1 (engines/tls.ts). */
async function nodeOnce(): Promise<Buffer> {
  const server = await helloServer();
  const tls = tlsConnect({ host: '127.0.0.1', port: server.port, servername: CAPTURE_NAME, ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false });
  tls.on('error', () => {});
  try {
    return await server.next();
  } finally {
    tls.destroy();
    await server.close();
  }
}

function parsed(hello: Buffer): ClientHello {
  const h = parseClientHello(hello);
  if (h instanceof ClientHelloError) throw new Error(`captured bytes are no ClientHello: ${h.message}`);
  return h;
}

export interface Client {
  name: string;
  /** Where the client is, or null when it is always there (node:tls). */
  bin: string | null;
  once: () => Promise<Buffer>;
  version: () => string;
  /** What the capture cannot show, each with its source: padding rule, ECH payload lengths. */
  meta: (version: string, date: string, shuffles: boolean, payloadLengths: number[]) => CaptureMeta;
}

const capturedBy = (what: string, date: string): string => `captured from ${what} on ${date} by scripts/capture-hellos.ts (npm run capture-hellos)`;

export const CLIENTS: Client[] = [
  {
    name: 'chromium',
    bin: CHROMIUM,
    once: chromiumOnce,
    version: () => versionOf(CHROMIUM),
    meta: (version, date, shuffles, seen) => ({
      name: 'chromium',
      description: `${version}, headless, connecting to https://<name>/`,
      engine: 'hand',
      shuffle: shuffles,
      padding: 'nonempty-last',
      // BoringSSL draws the GREASE ECH payload length per connection; a capture shows one.
      echPayloadLengths: seen.every((n) => BORINGSSL_PAYLOAD_LENGTHS.includes(n)) ? [...BORINGSSL_PAYLOAD_LENGTHS] : seen,
      sources: [
        capturedBy(`${CHROMIUM} (${version})`, date),
        'extension order permuted per connection, GREASE and padding in place: BoringSSL ssl/extensions.cc (ssl_setup_extension_permutation, ssl_add_clienthello_tlsext); Chrome 110 on',
        'GREASE values one per slot, the two GREASE extensions distinct: BoringSSL ssl/handshake.cc ssl_get_grease_value (RFC 8701)',
        'GREASE ECH payload of 144, 176, 208 or 240 bytes, HKDF-SHA256 with AES-128-GCM: BoringSSL ssl/encrypted_client_hello.cc setup_ech_grease (RFC 9849 §6.2)',
        'padding: one byte when the last extension would be empty, BoringSSL ssl/extensions.cc since commit eae46df1e (2026-08); with X25519MLKEM768 every hello is over 1 KiB, so the older 512-byte rule pads nothing either',
      ],
    }),
  },
  {
    name: 'firefox',
    bin: FIREFOX,
    once: firefoxOnce,
    version: () => versionOf(FIREFOX),
    meta: (version, date, shuffles, seen) => ({
      name: 'firefox',
      description: `${version}, headless, connecting to https://<name>/`,
      engine: 'hand',
      shuffle: shuffles,
      padding: 'f5',
      echPayloadLengths: [...new Set(seen)].sort((a, b) => a - b),
      sources: [
        capturedBy(`${FIREFOX} (${version})`, date),
        'padding: a hello of 256 to 511 bytes padded to 512 (RFC 7685), NSS lib/ssl/ssl3ext.c ssl_CalculatePaddingExtLen',
        'NSS draws the GREASE ECH AEAD per connection (AES-128-GCM or ChaCha20-Poly1305 were both seen on retries); the profile sends the one of the capture',
      ],
    }),
  },
  {
    name: 'node',
    bin: null,
    once: nodeOnce,
    version: () => `Node.js ${process.version} (OpenSSL ${process.versions.openssl})`,
    meta: (version, date, shuffles) => ({
      name: 'node',
      description: `${version} through node:tls, as the tls engine connects by default (SNI, ALPN h2 and http/1.1)`,
      engine: 'node:tls',
      shuffle: shuffles,
      padding: 'none',
      sources: [capturedBy(`node:tls of ${version}`, date)],
    }),
  },
];

/** Two captures of one client: the first becomes the profile, the second shows whether the order moves. */
export async function captureClient(c: Client): Promise<Capture> {
  const version = c.version();
  const a = parsed(await c.once());
  const b = parsed(await c.once());
  const order = (h: ClientHello): string => h.extensions.map((e) => e.type).join(',');
  const lengths = [a, b].flatMap((h) => (h.ech?.type === 'outer' ? [h.ech.payload.length] : []));
  return { parsed: a, version, shuffles: order(a) !== order(b), payloadLengths: lengths };
}

/** The profile's YAML text for a capture, with its JA3 and JA4 computed from the profile itself. */
export function profileText(meta: CaptureMeta, h: ClientHello, date: string): string {
  const doc = profileDocument(h, meta);
  const issues: ProfileIssue[] = [];
  const profile = validateProfile(doc, issues);
  if (!profile) throw new Error(`the capture of ${meta.name} makes no valid profile: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const fp = profileFingerprint(profile);
  const { name, description, engine, sources, ...rest } = doc;
  const ordered = { name, description, engine, sources, ja3: fp.ja3.md5, ja4: fp.ja4, ...rest };
  return profileYaml(ordered, [
    `The ClientHello of ${meta.description.split(',')[0]}, captured on loopback on ${date}.`,
    'Written by scripts/capture-hellos.ts: rerun `npm run capture-hellos` when the client updates.',
    ...(meta.shuffle ? ['ja3 is of the order listed: this client shuffles its extensions, so its JA3 changes per connection (JA4 sorts them).'] : []),
  ]);
}

/** The JA4 a shipped profile states, or null when there is no such file. */
export function shippedJa4(name: string, dir = SHIPPED_HELLOS): string | null {
  const file = join(dir, `${name}.yaml`);
  if (!existsSync(file)) return null;
  const doc = parseYaml(readFileSync(file, 'utf8')) as { ja4?: unknown };
  return typeof doc.ja4 === 'string' ? doc.ja4 : null;
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : SHIPPED_HELLOS;
  const names = argv.filter((a, i) => !a.startsWith('--') && !(outAt >= 0 && i === outAt + 1));
  const chosen = names.length ? CLIENTS.filter((c) => names.includes(c.name)) : CLIENTS;
  const unknown = names.filter((n) => !CLIENTS.some((c) => c.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown client ${unknown.join(', ')}: expected ${CLIENTS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  const date = new Date().toISOString().slice(0, 10);
  let differ = 0;
  for (const c of chosen) {
    if (c.bin && !existsSync(c.bin)) {
      process.stdout.write(`${c.name}: ${c.bin} is not installed, skipped\n`);
      continue;
    }
    const cap = await captureClient(c);
    const meta = c.meta(cap.version, date, cap.shuffles, cap.payloadLengths);
    const captured = ja4(cap.parsed);
    if (check) {
      const shipped = shippedJa4(c.name, out);
      const same = shipped === captured;
      if (!same) differ++;
      process.stdout.write(`${c.name}: ${cap.version}: captured ${captured}, shipped ${shipped ?? 'none'}${same ? '' : '  DIFFERS: rerun without --check'}\n`);
      continue;
    }
    const file = join(out, `${c.name}.yaml`);
    writeFileSync(file, profileText(meta, cap.parsed, date));
    process.stdout.write(`${c.name}: ${cap.version}: ${captured}${cap.shuffles ? ' (extension order shuffled per connection)' : ''} → ${file}\n`);
  }
  return differ ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
