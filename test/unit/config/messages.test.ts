// What a config or catalogue mistake reads like: file, line, field, what was found and the fix; one mistake, one message.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/config/issues.js';
import { readConfig } from '../../../src/config/load.js';

const CHAT = 'id: chat\nname: Chat\nsources: ["test"]\ntargets:\n  - { id: web, kind: https, url: "https://web.chat.test/" }\n';

/** A folder with blockwatch.yaml (text or bytes) and probes/ holding the given catalogues. */
function fixture(config: string | Buffer, catalogues: Record<string, string> = { chat: CHAT }): { file: string; probes: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-messages-'));
  const probes = join(dir, 'probes');
  mkdirSync(probes);
  for (const [name, text] of Object.entries(catalogues)) writeFileSync(join(probes, `${name}.yaml`), text);
  writeFileSync(join(dir, 'blockwatch.yaml'), config);
  return { file: join(dir, 'blockwatch.yaml'), probes };
}

/** Every issue as validate prints it, with the folder left out. */
function problems(config: string | Buffer, catalogues?: Record<string, string>): string[] {
  const { file } = fixture(config, catalogues);
  const dir = join(file, '..');
  return readConfig(file, {}).issues.map((i) => formatIssue(i).replaceAll(`${dir}/`, ''));
}

describe('a value of the wrong type', () => {
  it('is reported as found and expected, on its line, not as missing', () => {
    expect(problems('probes: ./probes\nvantages: [ { id: lo } ]\nschedule: { concurrency: "lots" }\n')).toEqual([
      'blockwatch.yaml:3: schedule.concurrency: found the text "lots", expected a number',
    ]);
    expect(problems('probes: ./probes\nvantages: [ { id: lo } ]\napps: chat\n')).toEqual([
      'blockwatch.yaml:3: apps: found the text "chat", expected a list: write a list, e.g. [chat]',
    ]);
    expect(problems('probes: ./probes\nvantages: [ { id: lo } ]\nschedule: { concurrency: "8" }\n')).toEqual([
      'blockwatch.yaml:3: schedule.concurrency: found the text "8", expected a number: write the number without quotes',
    ]);
  });

  it('names a missing required field as missing', () => {
    expect(problems('probes: ./probes\nvantages: [ { id: lo } ]\nevidence: { maxBytes: 8MB }\n')).toEqual([
      'blockwatch.yaml:3: evidence.dir: is required and missing: add dir: (expected text)',
    ]);
  });
});

describe('a file that is no mapping of settings', () => {
  it('says what it found: a list, a bare word, binary data', () => {
    expect(problems('- probes\n- vantages\n')).toEqual([
      'blockwatch.yaml:1: found a list of 2 items, expected a mapping of settings (probes:, vantages:, canaries: …): see config/blockwatch.yaml',
    ]);
    expect(problems('probes\n')).toEqual([
      'blockwatch.yaml:1: found the text "probes", expected a mapping of settings (probes:, vantages:, canaries: …): see config/blockwatch.yaml',
    ]);
    expect(problems(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe]))).toEqual([
      'blockwatch.yaml: found binary data, expected a YAML text file (UTF-8): is this the right file?',
    ]);
  });
});

describe('a YAML syntax error', () => {
  const yamlErrors = (text: string) => problems(text);

  it('is on the line of the mistake, and its message ends in the fix, not in a colon', () => {
    expect(yamlErrors('probes: ./probes\nschedule: { cron: "* * * * *"\nvantages: [ { id: lo } ]\n')).toEqual([
      'blockwatch.yaml:2: not valid YAML: the "{" opened on this line is never closed: end it with "}" on this line, or indent what continues it',
    ]);
    expect(yamlErrors('probes: ./probes\napps: [chat\nvantages: [ { id: lo } ]\n')).toEqual([
      'blockwatch.yaml:2: not valid YAML: the "[" opened on this line is never closed: end it with "]" on this line, or indent what continues it',
    ]);
    expect(yamlErrors('probes: "./probes\nvantages: [ { id: lo } ]\n')).toEqual([
      'blockwatch.yaml:1: not valid YAML: the " opened on this line is never closed: add the closing "',
    ]);
    expect(yamlErrors('probes: ./probes\nschedule:\n\tcron: "* * * * *"\n')).toEqual([
      'blockwatch.yaml:3: not valid YAML: found a tab in the indentation, expected spaces: indent with spaces',
    ]);
    expect(yamlErrors('probes: ./probes\nvantages: [ { id: lo } ]\nprobes: ./other\n')).toEqual([
      'blockwatch.yaml:3: not valid YAML: the key "probes" appears twice in one mapping: keep one',
    ]);
  });

  it('never ends in a dangling colon or repeats the parser\'s position', () => {
    for (const text of ['a: [\n', 'a:\n  - b\n c: d\n', 'vantages:\n  - id: a\n   resolver: system\n', 'a: b: c\n']) {
      for (const line of yamlErrors(text)) {
        expect(line).toMatch(/^blockwatch\.yaml:\d+: not valid YAML: /);
        expect(line).not.toMatch(/:$|at line \d+/);
      }
    }
  });
});

describe('a catalogue mistake', () => {
  it('is one message when a key is misspelt, and no false "no catalogue" for the app that asked for it', () => {
    const typo = 'id: chat\nname: Chat\nsources: ["test"]\ntargets:\n  - { id: web, kind: https, ulr: "https://web.chat.test/", group: web }\ngroups: { web: { essential: false } }\n';
    expect(problems('probes: ./probes\napps: [chat]\nvantages: [ { id: lo } ]\n', { chat: typo })).toEqual([
      'probes/chat.yaml:5: targets[0].ulr: unknown key "ulr": did you mean "url"? (url is required)',
    ]);
  });

  it('is one message for a wrong kind, not also "no target in its group"', () => {
    const kind = 'id: chat\nname: Chat\nsources: ["test"]\ntargets:\n  - { id: web, kind: htps, url: "https://web.chat.test/", group: web }\ngroups: { web: { essential: false } }\n';
    expect(problems('probes: ./probes\nvantages: [ { id: lo } ]\n', { chat: kind })).toEqual([
      'probes/chat.yaml:5: targets[0].kind: found the text "htps", expected one of dns, tcp, tls, https, udp, quic, mtproto',
    ]);
  });

  it('is one message for a trust anchor file that several targets name and that is not there', () => {
    const ca = 'id: chat\nname: Chat\nsources: ["test"]\ntargets:\n' + [1, 2, 3].map((n) => `  - { id: t${n}, kind: tls, host: a${n}.chat.test, ca: [./ca/root.pem] }\n`).join('');
    const lines = problems('probes: ./probes\nvantages: [ { id: lo } ]\n', { chat: ca });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^probes\/chat\.yaml:5: targets\[0\]\.ca\[0\]: cannot read probes\/ca\/root\.pem: ENOENT; check the path/);
  });

  it('that is no mapping says what it found', () => {
    expect(problems('probes: ./probes\nvantages: [ { id: lo } ]\n', { chat: '- web\n' })).toEqual([
      'probes/chat.yaml:1: found a list of 1 item, expected a catalogue: a mapping with id:, name:, sources: and targets: (see probes/README.md)',
    ]);
  });
});

describe('a stray file in the probes folder that cannot be read', () => {
  it('breaks only a config that asks for every catalogue, and is named there', () => {
    const { file, probes } = fixture('probes: ./probes\napps: [chat]\nvantages: [ { id: lo } ]\n');
    // Unreadable for root too: a link to nothing, and a folder with a catalogue's name.
    symlinkSync(join(probes, 'gone.yaml.orig'), join(probes, 'stray.yaml'));
    mkdirSync(join(probes, 'notes.yaml'));
    const picked = readConfig(file, {});
    expect(picked.issues).toEqual([]);
    expect(picked.config?.apps.map((a) => a.id)).toEqual(['chat']);

    writeFileSync(file, 'probes: ./probes\nvantages: [ { id: lo } ]\n');
    expect(readConfig(file, {}).issues.map((i) => formatIssue(i).replace(`${probes}/`, ''))).toEqual([
      'notes.yaml: found a folder, expected a YAML file: rename or remove it',
      'stray.yaml: cannot read: ENOENT (no such file, or a link to none)',
    ]);
  });
});
