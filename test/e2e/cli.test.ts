/** The command line's contract on loopback: check's report and exit codes, validate, usage errors. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild, startChild, type Finished } from '../support/children.js';
import { CLI } from '../support/daemon.js';
import { closedPort } from '../support/tcp-servers.js';
import { startHttpsServer, testPki, type Running } from '../support/tls-servers.js';

/** The CLI as a process (ended with the test if the test ends first: children.ts). */
const run = (args: string[]): Promise<Finished> => runChild(process.execPath, [CLI, ...args], { env: { ...process.env, BLOCKWATCH_CONFIG: '' } });

/**
 * Runs the CLI with its stdout on a pipe whose reading end is closed at once, as
 * `blockwatch … | head -1` leaves it once head has its line: every write fails with EPIPE.
 */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  // A run that never ends fails at the test's timeout; startChild's registry ends it with the file.
  return new Promise((res) => {
    const child = startChild(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BLOCKWATCH_CONFIG: '' } });
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('close', (code, signal) => res({ code, signal, stderr }));
  });
}

const { ca, leaf } = testPki(['app.test']);
let web: Running;
let dir: string;
let config: string;
let walledConfig: string;

beforeAll(async () => {
  web = await startHttpsServer(leaf, (_req, res) => res.end('<title>Chat</title>hello'));
  const refused = await closedPort();
  dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
  mkdirSync(join(dir, 'probes'));
  writeFileSync(join(dir, 'probes', 'chat.yaml'), `id: chat
name: Chat
sources: ["loopback test"]
targets:
  - { id: web, kind: https, url: "https://127.0.0.1:${web.port}/" }
  - { id: api, kind: tls, host: 127.0.0.1, port: ${web.port}, sni: app.test }
`);
  writeFileSync(join(dir, 'probes', 'mail.yaml'), `id: mail
name: Mail
sources: ["loopback test"]
targets:
  - { id: smtp, kind: tcp, host: 127.0.0.1, port: ${refused} }
`);
  config = join(dir, 'blockwatch.yaml');
  writeFileSync(config, `probes: ./probes
schedule: { timeout: 20s }
vantages: [ { id: lo, labels: { country: XX } } ]
canaries: [ { id: self, kind: https, url: "https://127.0.0.1:${web.port}/" } ]
alerts: { confirm: { attempts: 2, spacing: 100ms } }
tls: { extraCA: ${ca.certFile} }
`);
  // Only the domestic canary answers: the foreign one is refused on every attempt.
  walledConfig = join(dir, 'walled.yaml');
  writeFileSync(walledConfig, `probes: ./probes
schedule: { timeout: 20s }
vantages: [ { id: lo, labels: { country: XX } } ]
canaries:
  - { id: abroad, kind: tls, host: 127.0.0.1, port: ${refused}, sni: app.test }
  - { id: home, kind: https, url: "https://127.0.0.1:${web.port}/", scope: domestic, vantageLabels: { country: XX } }
alerts: { confirm: { attempts: 1, spacing: 100ms } }
tls: { extraCA: ${ca.certFile} }
`);
});
afterAll(() => web.close());

describe('blockwatch check', () => {
  it('prints a blockwatch.report/v1 document and exits 0 when every app is reachable', async () => {
    const r = await run(['check', '--config', config, '--app', 'chat', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['schema', 'startedAt', 'finishedAt', 'vantages', 'apps', 'controls']);
    // Every target is an address: no name was asked of a control resolver.
    expect(report.controls).toEqual({ resolver: 'unused', vantagesMissing: [] });
    expect(report.schema).toBe('blockwatch.report/v1');
    expect(report.vantages).toEqual([
      {
        id: 'lo', online: true, state: 'online', reason: null, control: false, labels: { country: 'XX' },
        canaries: [{ id: 'self', scope: 'foreign', status: 'ok', failure: null, operation: null }],
      },
    ]);
    expect(report.apps).toHaveLength(1);
    const [app] = report.apps;
    expect(app).toMatchObject({ app: 'chat', vantage: 'lo', status: 'reachable', patterns: [] });
    expect(app.targets.map((t: { id: string; kind: string; input: string; status: string; pattern: null; failure: null; operation: null }) => [t.id, t.kind, t.input, t.status, t.pattern, t.failure, t.operation])).toEqual([
      ['web', 'https', `https://127.0.0.1:${web.port}/`, 'ok', null, null, null],
      ['api', 'tls', `127.0.0.1:${web.port} sni=app.test`, 'ok', null, null, null],
    ]);
    const timings = app.targets[0].timings;
    expect(Object.keys(timings).sort()).toEqual(['connect', 'tls', 'total', 'ttfb']);
    expect(timings.total).toBeGreaterThanOrEqual(timings.tls);
  });

  it('exits 1 when an app is not reachable, naming the failure and step', async () => {
    const r = await run(['check', '--config', config, '--app', 'mail', '--format', 'json']);
    expect(r.code).toBe(1);
    const [app] = JSON.parse(r.stdout).apps;
    expect(app.status).not.toBe('reachable');
    expect(app.targets[0]).toMatchObject({ id: 'smtp', failure: 'connection_refused', operation: 'connect' });
    // As the daemon's first round, a failure is probed again (alerts.confirm: 2 attempts), so one lost packet is no verdict.
    expect(app.targets[0].trials).toMatchObject({ run: 3 });
  });

  it('prints a table with the failing step in words', async () => {
    const r = await run(['check', '--config', config]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['APP', 'VANTAGE', 'STATUS', 'PATTERN', 'FAILING STEP']);
    expect(lines[1].split(/\s{2,}/)).toEqual(['chat', 'lo', 'reachable', '-', '-']);
    expect(lines[2]).toContain('smtp: TCP connect — connection_refused');
  });

  it('reports a vantage whose only answering canaries are domestic as walled, and still judges its apps', async () => {
    const r = await run(['check', '--config', walledConfig, '--format', 'json']);
    const report = JSON.parse(r.stdout);
    expect(report.vantages).toEqual([
      {
        id: 'lo', online: true, state: 'walled', reason: null, control: false, labels: { country: 'XX' },
        canaries: [
          { id: 'abroad', scope: 'foreign', status: 'failed', failure: 'connection_refused', operation: 'connect' },
          { id: 'home', scope: 'domestic', status: 'ok', failure: null, operation: null },
        ],
      },
    ]);
    expect(report.apps.map((a: { app: string; status: string }) => `${a.app}:${a.status}`)).toEqual(['chat:reachable', 'mail:anomaly']);
    expect(r.code).toBe(1);
    const table = await run(['check', '--config', walledConfig]);
    expect(table.stdout).toContain('Walled vantages (only domestic canaries answer: destination allowlisting; apps judged as usual): lo');
  });

  it('exits 2 naming the field for a bad config, and for an unknown app', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'probes: ./probes\nvantages: [ { id: lo, resolver: "dns://1.2.3.4" } ]\nschedule: { timeout: soon }\n');
    const r = await run(['check', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: vantages[0].resolver:`);
    expect(r.stderr).toContain(`${bad}:3: schedule.timeout:`);
    const u = await run(['check', '--config', config, '--app', 'nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('--app nope: no such app');
  });
});

describe('blockwatch validate', () => {
  it('accepts the shipped default config', async () => {
    const r = await run(['validate', '--config', join(import.meta.dirname, '../../config/blockwatch.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok — 11 apps, \d+ targets, 1 vantages, 3 canaries, \d+ fingerprints/);
  });

  it('says which fingerprint files it loaded: the shipped ones even when the catalogues live elsewhere', async () => {
    // This test's own config has a probes folder without fingerprints.
    const r = await run(['validate', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fingerprints: \S+\/probes\/fingerprints\/dns\.yaml \(shipped, \d+\)/);
    expect(r.stdout).toMatch(/fingerprints: \S+\/probes\/fingerprints\/http\.yaml \(shipped, \d+\)/);
  });

  it('reports every problem at once and exits 2', async () => {
    const bad = join(dir, 'worse.yaml');
    writeFileSync(bad, 'probes: ./probes\nvantages: [ { id: lo } ]\nschedule: { cron: "soon", jitter: 1x }\nserver: { listen: "nowhere" }\nmystery: 1\n');
    const r = await run(['validate', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^4 problems found:/);
    for (const field of ['schedule.cron', 'schedule.jitter', 'server.listen', ': unknown key "mystery"']) expect(r.stderr).toContain(field);
  });

  it('refuses an empty file, naming it and what a config must say', async () => {
    for (const text of ['', '# only a comment\n', '---\n']) {
      const empty = join(dir, 'empty.yaml');
      writeFileSync(empty, text);
      const r = await run(['validate', '--config', empty]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `1 problem found:\n  ${empty}: found nothing (an empty file, only comments, or ---), expected a config that says what it watches from: ` +
          'vantages: (where probes leave from, e.g. [ { id: direct } ]) and canaries: (targets that show a vantage is online), ' +
          'or canaries: [] with canariesReason: "why none"; config/blockwatch.yaml is an example\n',
      );
    }
  });

  it('ends quietly, with its own exit code, when its reader has gone (| head -1)', { timeout: 180_000 }, async () => {
    const bad = join(dir, 'bad-for-pipe.yaml');
    writeFileSync(bad, 'probes: ./probes\nvantages: [ { id: lo } ]\nschedule: { timeout: soon }\n');
    // Several runs: the write races the reader's close, which is what made 3 runs in 8 crash.
    for (let i = 0; i < 3; i++) {
      expect(await runIntoClosedPipe(['validate', '--config', config])).toEqual({ code: 0, signal: null, stderr: '' });
      expect(await runIntoClosedPipe(['--help'])).toEqual({ code: 0, signal: null, stderr: '' });
      expect(await runIntoClosedPipe(['--version'])).toEqual({ code: 0, signal: null, stderr: '' });
    }
    expect(await runIntoClosedPipe(['check', '--config', config, '--app', 'chat', '--format', 'json'])).toEqual({ code: 0, signal: null, stderr: '' });
    const failing = await runIntoClosedPipe(['validate', '--config', bad]);
    expect(failing.code).toBe(2);
    expect(failing.stderr).toContain('schedule.timeout');
  });

  it('exits 2 on an unknown command or flag, and 0 for --version', async () => {
    expect((await run(['probe'])).code).toBe(2);
    expect((await run(['check', '--colour'])).code).toBe(2);
    const v = await run(['--version']);
    expect([v.code, v.stdout]).toEqual([0, `blockwatch 0.1.0 (node ${process.versions.node})\n`]);
  });
});
