/**
 * `blockwatch run` and `validate` against evidence folders that cannot be written, on real file
 * systems: a root-owned 0700 folder while the daemon runs as nobody (a bind-mounted /data in the
 * image), a path under a regular file, /proc, and a disk that fills up while the daemon runs (a
 * 16 KiB tmpfs). Needs root (to run as nobody and to mount); skipped otherwise.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from '../support/children.js';
import { CLI, eventually, startDaemon, type Daemon } from '../support/daemon.js';
import { parseExposition } from '../support/exposition.js';
import { startHttpsServer, testPki, type Running } from '../support/tls-servers.js';

const root = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

const { ca, leaf } = testPki(['app.test']);
let web: Running;
let dir: string;
const mounts: string[] = [];
const daemons: Daemon[] = [];

function config(evidenceDir: string, cron = '* * * * * *'): string {
  return `probes: ./probes
schedule: { cron: "${cron}", jitter: 0s, concurrency: 4, timeout: 2s }
vantages: [ { id: lo } ]
control: { resolver: system }
canaries: [ { id: self, kind: https, url: "https://127.0.0.1:${web.port}/" } ]
tls: { extraCA: ./ca.pem }
server: { listen: "127.0.0.1:0" }
alerts: { confirm: { attempts: 0 } }
evidence: { dir: "${evidenceDir}", maxBytes: 1MB }
`;
}

/** Writes a config file readable by nobody. */
function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, 0o644);
  return file;
}

/** Runs the CLI to its end (as `user` when given); the test's own timeout bounds the wait, and startChild's registry ends a run left behind with the file. */
function cli(args: string[], user?: { uid: number; gid: number }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res) => {
    const child = startChild(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], ...user, env: { ...process.env, BLOCKWATCH_CONFIG: '' } });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('close', (code) => res({ code, stderr }));
  });
}

async function metric(d: Daemon, name: string): Promise<number | undefined> {
  return parseExposition((await d.get('/metrics')).text).get(name);
}

beforeAll(async () => {
  web = await startHttpsServer(leaf, (_req, res) => res.end('<title>chat</title>hello'));
  dir = mkdtempSync(join(tmpdir(), 'bw-evidence-disk-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'probes'), { mode: 0o755 });
  writeFileSync(join(dir, 'probes', 'chat.yaml'), `id: chat\nname: Chat\nsources: ["loopback test"]\ntargets:\n  - { id: web, kind: https, url: "https://127.0.0.1:${web.port}/" }\n`);
  chmodSync(join(dir, 'probes', 'chat.yaml'), 0o644);
  // The test PKI's own folder is private to root: nobody reads a copy.
  writeFileSync(join(dir, 'ca.pem'), ca.cert, { mode: 0o644 });
});

afterAll(async () => {
  for (const d of daemons) if (d.proc.exitCode === null && d.proc.signalCode === null) await d.stop('SIGKILL');
  for (const m of mounts) await new Promise((r) => execFile('umount', [m], r));
  await web?.close();
});

// Each test runs the CLI several times: on a busy machine that takes a while, which is not what is tested.
describe.skipIf(!root)('an evidence folder the daemon cannot write', { timeout: 120_000 }, () => {
  it('stops the start with exit 2 naming evidence.dir and the fix: a root-owned 0700 folder, the daemon running as nobody', async () => {
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    const file = configFile('root-owned.yaml', config(data));
    const run = await cli(['run', '--config', file], NOBODY);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`configuration error:\n  ${file}: evidence.dir: cannot write in ${data}: EACCES; the user blockwatch runs as (uid 65534) may not: give it the folder (chown), or pick one it owns\n`);
    // validate says so too, judged as the user who runs it, and makes nothing.
    const validate = await cli(['validate', '--config', file], NOBODY);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(`${file}: evidence.dir: cannot write in ${data}: EACCES`);
    const child = configFile('root-owned-child.yaml', config(join(data, 'evidence')));
    expect((await cli(['validate', '--config', child], NOBODY)).stderr).toContain(`evidence.dir: cannot create ${join(data, 'evidence')}: EACCES`);
    expect(readdirSync(data)).toEqual([]);
    // Given to nobody, the same folder works.
    chownSync(data, NOBODY.uid, NOBODY.gid);
    expect((await cli(['validate', '--config', file], NOBODY)).code).toBe(0);
  });

  it('stops the start for a path under a regular file, and for /proc, at once', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a folder');
    const under = configFile('under-file.yaml', config(join(dir, 'a-file', 'evidence')));
    const a = await cli(['run', '--config', under]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`evidence.dir: cannot write in ${join(dir, 'a-file', 'evidence')}: ENOTDIR; a part of the path is a file, not a folder: pick another path`);
    const proc = configFile('proc.yaml', config('/proc/evidence'));
    const b = await cli(['run', '--config', proc]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('evidence.dir: cannot create /proc/evidence: ENOENT; this file system takes no new folders (is it /proc or /sys?): pick a folder on a disk');
    const v = await cli(['validate', '--config', proc]);
    expect([v.code, v.stderr.includes('cannot create /proc/evidence: ENOENT')]).toEqual([2, true]);
  });

  it('refuses a reload to a folder it cannot write, and keeps writing evidence where it did', async () => {
    const good = join(dir, 'good-evidence');
    const file = configFile('reload.yaml', config(good));
    const d = await startDaemon(file, [], { BLOCKWATCH_LOG_LEVEL: 'info' });
    daemons.push(d);
    await eventually(async () => readdirSync(good).length > 0, 15_000);
    writeFileSync(file, config('/proc/evidence'));
    d.proc.kill('SIGHUP');
    await eventually(async () => (await metric(d, 'blockwatch_config_last_reload_successful')) === 0, 10_000);
    const refused = d.logs.find((l) => l.msg === 'reload failed; the previous configuration keeps running');
    expect((refused?.errors as string[]).join('\n')).toContain(`${file}: evidence.dir: cannot create /proc/evidence: ENOENT`);
    // Rounds go on, and their evidence still goes to the folder of the running config.
    const bytes = () => readdirSync(good).reduce((n, f) => n + statSync(join(good, f)).size, 0);
    const before = bytes();
    await eventually(async () => bytes() > before, 15_000);
    expect(await d.stop('SIGTERM')).toBe(0);
  });
});

describe.skipIf(!root)('a disk that fills while the daemon runs', () => {
  it('logs the loss once, counts every failed attempt, backs off, and exits on SIGTERM', { timeout: 90_000 }, async () => {
    const small = join(dir, 'small');
    mkdirSync(small);
    await new Promise<void>((res, rej) => execFile('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', small], (err) => (err ? rej(err) : res())));
    mounts.push(small);
    // A file fills the disk but for a few lines' room: the evidence log soon finds it full.
    writeFileSync(join(small, 'ballast'), Buffer.alloc(12 * 1024));
    const d = await startDaemon(configFile('full.yaml', config(small)), [], { BLOCKWATCH_LOG_LEVEL: 'info' });
    daemons.push(d);
    const failures = () => d.logs.filter((l) => l.msg === 'evidence write failed: lines lost; the next attempt waits');
    await eventually(async () => ((await metric(d, 'blockwatch_evidence_write_errors_total')) ?? 0) >= 3, 60_000);
    // Every attempt counted, one log line (the next comes a minute after the first), with the code.
    expect(failures()).toHaveLength(1);
    expect(failures()[0]).toMatchObject({ component: 'evidence', code: 'ENOSPC', dir: small });
    // Backed off: a round a second writes lines every second, yet attempts are 1, 2, 4 … s apart.
    const rounds = d.logs.filter((l) => l.msg === 'round done').length;
    const errors = (await metric(d, 'blockwatch_evidence_write_errors_total'))!;
    expect(errors).toBeLessThan(rounds);

    const stopped = d.stop('SIGTERM');
    const code = await Promise.race([stopped, new Promise((r) => setTimeout(() => r('still running 15 s after SIGTERM'), 15_000))]);
    expect(code).toBe(0);
    expect(d.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
