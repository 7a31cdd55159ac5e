// Caps on what a config and its catalogues may hold: refused with a clear error before the expensive part.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/config/issues.js';
import { CONFIG_LIMITS } from '../../../src/config/limits.js';
import { readConfig } from '../../../src/config/load.js';

const CHAT = 'id: chat\nname: Chat\nsources: ["test"]\ntargets:\n  - { id: web, kind: https, url: "https://web.chat.test/" }\n';

function folder(config: string, catalogues: Record<string, string> = { chat: CHAT }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-limits-'));
  mkdirSync(join(dir, 'probes'));
  for (const [name, text] of Object.entries(catalogues)) writeFileSync(join(dir, 'probes', `${name}.yaml`), text);
  writeFileSync(join(dir, 'blockwatch.yaml'), config);
  return join(dir, 'blockwatch.yaml');
}

const lines = (file: string) => readConfig(file, {}).issues.map((i) => formatIssue(i).replace(`${join(file, '..')}/`, ''));

const canary = (i: number) => `  - { id: c${i}, kind: tls, host: 192.0.2.1, port: 443, sni: c${i}.example }\n`;

describe('config size caps', () => {
  it('refuses a config file past 1 MiB before parsing it: 8 MiB of canaries', () => {
    let text = 'probes: ./probes\nvantages: [ { id: a } ]\ncanaries:\n';
    for (let i = 0; text.length < 8 * 1024 * 1024; i++) text += canary(i);
    const file = folder(text);
    expect(lines(file)).toEqual([
      `blockwatch.yaml: found ${text.length.toLocaleString('en')} bytes, expected at most 1 MiB for a config file: targets belong in catalogues (probes/<id>.yaml)`,
    ]);
  });

  it('refuses more than 1,000 canaries, without checking each', () => {
    let text = 'probes: ./probes\nvantages: [ { id: a } ]\ncanaries:\n';
    for (let i = 0; i <= CONFIG_LIMITS.canaries; i++) text += canary(i);
    expect(lines(folder(text))).toEqual([
      'blockwatch.yaml:3: canaries: found a list of 1001 items, expected at most 1000 canaries: a few per vantage tell whether it is online',
    ]);
  });

  // Parsing 20,000 targets of YAML takes seconds on a busy machine: the deadline is not what is tested.
  it('refuses a catalogue file past 2 MiB, and one with more than 20,000 targets', { timeout: 120_000 }, () => {
    const head = 'id: big\nname: Big\nsources: ["test"]\ntargets:\n';
    let huge = head;
    for (let i = 0; huge.length <= 2 * 1024 * 1024; i++) huge += `  - { id: t${i}, kind: tcp, host: 192.0.2.1, port: 443, group: all }\n`;
    let many = head;
    for (let i = 0; i <= CONFIG_LIMITS.targetsPerCatalogue; i++) many += `  - {id: t${i}, kind: dns, host: a}\n`;
    expect(lines(folder('probes: ./probes\nvantages: [ { id: a } ]\n', { huge, many, chat: CHAT }))).toEqual([
      `probes/huge.yaml: found ${huge.length.toLocaleString('en')} bytes, expected at most 2 MiB for a catalogue: keep an app to 20000 targets at most, grouped; split a larger list over several apps`,
      'probes/many.yaml:4: targets: found a list of 20001 items, expected at most 20000 targets: group redundant hosts, or split the app',
    ]);
  });

  it('takes 10,000 targets in one catalogue, as the benchmark runs', { timeout: 120_000 }, () => {
    let text = 'id: bench\nname: Bench\nsources: ["test"]\ntargets:\n';
    for (let i = 0; i < 10_000; i++) text += `  - { id: t${i}, kind: tcp, host: 127.0.0.1, port: 443, group: g }\n`;
    const { config, issues } = readConfig(folder('probes: ./probes\nvantages: [ { id: local } ]\n', { bench: text }), {});
    expect(issues).toEqual([]);
    expect(config?.apps[0].targets).toHaveLength(10_000);
  });

  it('refuses a probes folder with more than 1,000 catalogues to read, unless apps: picks some', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i <= CONFIG_LIMITS.catalogues; i++) many[`app${i}`] = CHAT.replace('id: chat', `id: app${i}`);
    const file = folder('probes: ./probes\nvantages: [ { id: a } ]\n', many);
    expect(lines(file)).toEqual(['probes: found 1001 catalogues to read, expected at most 1000: select apps with apps:, or move the others out of this folder']);
    writeFileSync(file, 'probes: ./probes\nvantages: [ { id: a } ]\napps: [app7]\n');
    expect(lines(file)).toEqual([]);
  });
});
