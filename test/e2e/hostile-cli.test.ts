/** `blockwatch check` as a process against a peer that resets a connection while it waits: it reports, it does not crash. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../support/children.js';
import { CLI } from '../support/daemon.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { listen, neverAccepting, type Listener } from '../support/tcp-servers.js';

let dns: DnsServer;
let resetLater: Listener;
let silent: Awaited<ReturnType<typeof neverAccepting>>;
let config: string;

beforeAll(async () => {
  resetLater = await listen((s) => void setTimeout(() => s.resetAndDestroy(), 300));
  silent = await neverAccepting('127.0.0.2', resetLater.port);
  await silent.fill();
  dns = await startDnsServer(() => ({ kind: 'answer', a: ['127.0.0.1', '127.0.0.2'] }));
  const dir = mkdtempSync(join(tmpdir(), 'bw-hostile-cli-'));
  mkdirSync(join(dir, 'probes'));
  writeFileSync(join(dir, 'probes', 'chat.yaml'), `id: chat\nname: Chat\nsources: ["loopback test"]\ntargets:\n  - { id: dc, kind: tcp, host: two.test, port: ${resetLater.port} }\n`);
  config = join(dir, 'blockwatch.yaml');
  writeFileSync(config, `probes: ./probes\nschedule: { timeout: 5s }\nalerts: { confirm: { spacing: 100ms } }\nvantages: [{ id: lo, resolver: "udp://127.0.0.1:${dns.port}" }]\ncontrol: { resolver: "udp://127.0.0.1:${dns.port}" }\n`);
});
afterAll(async () => {
  for (const s of [dns, resetLater, silent]) await s.close();
});

describe('check against a name whose first address accepts then resets and whose second never accepts', () => {
  it('prints a report and exits by the contract instead of dying on an unhandled error', async () => {
    const r = await runChild(process.execPath, [CLI, 'check', '--config', config, '--format', 'json']);
    expect(r.stderr).not.toMatch(/ECONNRESET|Unhandled/);
    const report = JSON.parse(r.stdout);
    // Both connects are in the evidence: the first made it, the second timed out. (Loopback
    // answers are bogons, so the verdict itself is about DNS and not asserted here.)
    const connects = report.apps[0].targets[0].evidence.tcp.connects.map((c: { ip: string; success: boolean }) => [c.ip, c.success]);
    expect(connects).toEqual([
      ['127.0.0.1', true],
      ['127.0.0.2', false],
    ]);
    expect([0, 1]).toContain(r.code);
  });
});
