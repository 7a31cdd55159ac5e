// Hello profiles as config: each problem names the file, the field and the fix; tls targets name loaded profiles; validate shows every profile's JA3 and JA4.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHelloProfiles } from '../../../src/config/hellos.js';
import type { ConfigIssue } from '../../../src/config/issues.js';
import { parseTarget } from '../../../src/config/targets.js';
import { helloLines } from '../../../src/commands/validate.js';
import { SHIPPED_HELLOS } from '../../../src/package-root.js';

const telegram = readFileSync(join(SHIPPED_HELLOS, 'telegram-desktop.yaml'), 'utf8');

/** Loads one profile file written from `text` (named `name`.yaml); its issues. */
function issuesOf(text: string, name = 'telegram-desktop'): ConfigIssue[] {
  const dir = mkdtempSync(join(tmpdir(), 'bw-hellos-'));
  writeFileSync(join(dir, `${name}.yaml`), text);
  const { issues } = loadHelloProfiles(dir);
  for (const i of issues) expect(i.file).toBe(join(dir, `${name}.yaml`));
  return issues;
}

const edit = (from: string, to: string): string => {
  expect(telegram).toContain(from);
  return telegram.replace(from, to);
};

describe('hello profile files', () => {
  it('load as shipped', () => {
    expect(issuesOf(telegram)).toEqual([]);
  });

  it('say which JA3 and JA4 to write when a file states none or another', () => {
    const issues = issuesOf(edit('ja4: t13d1516h2_8daaf6152771_e5627efa2ab1\n', 'ja4: t13d1516h2_000000000000_000000000000\n').replace(/ja3: .*\n/, ''));
    expect(issues).toEqual([
      { file: expect.any(String), path: 'ja3', message: 'missing: the JA3 this profile sends (of the order listed): write ja3: 07ea0565b243f05bdd96c34cc7d46a55' },
      { file: expect.any(String), path: 'ja4', message: '"t13d1516h2_000000000000_000000000000" is not the JA4 this profile sends: write ja4: t13d1516h2_8daaf6152771_e5627efa2ab1' },
    ]);
  });

  it('name the field and the fix for what cannot be written', () => {
    const at = (text: string): Array<[string, string]> => issuesOf(text).map((i) => [i.path, i.message]);
    expect(at(edit('groups: [grease, x25519, secp256r1, secp384r1]', 'groups: [grease, x2559, secp256r1, secp384r1]'))).toEqual([
      ['extensions[3].groups[1]', expect.stringMatching(/^"x2559" is not a group: expected one of .*x25519.*, grease, or a number such as 0x001d$/)],
    ]);
    expect(at(edit('cipherSuites: [grease, 0x1301', 'cipherSuites: [0x2a2a, 0x1301'))).toEqual([
      ['cipherSuites[0]', '0x2a2a is a GREASE value: write grease, so a fresh one is drawn per connection'],
    ]);
    expect(at(edit('key_share, groups: [grease, x25519]', 'key_share, groups: [grease, x25519, x448]'))).toEqual([
      ['extensions[13].groups[2]', 'group 0x001e has a key share but is not in supported_groups: add it there (RFC 8446 §4.2.8)'],
    ]);
    expect(at(edit('key_share, groups: [grease, x25519]', 'key_share, groups: [grease, ffdhe2048]'))[0]).toEqual([
      'extensions[13].groups[1]',
      expect.stringMatching(/^no key share can be made for group 0x0100: offer it in supported_groups only/),
    ]);
    expect(at(edit('{ type: ec_point_formats, formats: [0] }', '{ type: ec_point_formats, formats: [0], data: "00" }'))).toEqual([
      ['extensions[4].data', 'unknown key "data" for ec_point_formats: expected formats'],
    ]);
    expect(at(edit('{ type: ec_point_formats, formats: [0] }', '{ type: status_request, data: "00" }'))).toEqual([
      ['extensions[4]', 'status_request again (also extensions[2]): a ClientHello carries each extension once'],
    ]);
    expect(at(edit('padding: to-512', 'padding: to512'))).toEqual([['padding', '"to512" is not allowed: expected one of none, nonempty-last, f5, to-512']]);
    expect(at(edit('{ type: renegotiation_info, data: "00" }', '{ type: renegotiation_info, data: "0" }'))).toEqual([
      ['extensions[15].data', "expected the extension's bytes as a hex string, e.g. '0100000000' ('' for none)"],
    ]);
    expect(at(edit('{ type: renegotiation_info, data: "00" }', '{ type: renegotiaton_info, data: "00" }'))[0]).toEqual([
      'extensions[15].type',
      expect.stringMatching(/^"renegotiaton_info" is not an extension type: expected grease, one of server_name, .*, or a number such as 0xca34$/),
    ]);
  });

  it('want the name of the file and a source', () => {
    expect(issuesOf(telegram, 'tdesktop').map((i) => [i.path, i.message])).toEqual([['name', '"telegram-desktop" must match the file name: write name: tdesktop']]);
    expect(issuesOf(telegram.replace(/sources:\n(  - .*\n)+/, 'sources: []\n')).map((i) => i.path)).toEqual(['sources']);
  });
});

describe('tls targets name a profile', () => {
  const parse = (raw: object): ConfigIssue[] => {
    const issues: ConfigIssue[] = [];
    parseTarget({ id: 'web', kind: 'tls', host: 'web.chat.test', ...raw }, 'chat.yaml', 'targets[2]', '/tmp', issues);
    return issues;
  };

  it('takes hello and ech', () => {
    expect(parse({ hello: 'chromium', ech: 'grease' })).toEqual([]);
    expect(parse({ hello: 'telegram-desktop', ech: 'none' })).toEqual([]);
    expect(parse({ hello: 'node' })).toEqual([]);
  });

  it('refuses an unknown profile, naming the known ones, and ECH from node:tls', () => {
    expect(parse({ hello: 'chrome' })).toEqual([{ file: 'chat.yaml', path: 'targets[2].hello', message: 'no hello profile "chrome": expected one of chromium, firefox, node, telegram-desktop' }]);
    expect(parse({ ech: 'grease' })).toEqual([
      { file: 'chat.yaml', path: 'targets[2].ech', message: 'node:tls cannot send ECH: set hello to a hand-written profile (chromium, firefox, telegram-desktop), or remove ech' },
    ]);
    expect(parse({ hello: 'chromium', ech: 'real' }).map((i) => i.path)).toEqual(['targets[2].ech']);
  });
});

describe('validate', () => {
  it('prints every profile with its JA4 and JA3, and says which shuffle', () => {
    const lines = helloLines();
    expect(lines).toHaveLength(4);
    expect(lines).toContain('hello: telegram-desktop (hand-written): JA4 t13d1516h2_8daaf6152771_e5627efa2ab1, JA3 07ea0565b243f05bdd96c34cc7d46a55 of the listed order (shuffles its extensions: JA3 changes per connection, JA4 does not)');
    expect(lines.find((l) => l.startsWith('hello: node '))).toMatch(/^hello: node \(node:tls, the default\): JA4 t13d\S+, JA3 [0-9a-f]{32}$/);
    expect(lines.find((l) => l.startsWith('hello: firefox '))).toMatch(/^hello: firefox \(hand-written, GREASE ECH\): JA4 t13d\S+, JA3 [0-9a-f]{32}$/);
    expect(lines.find((l) => l.startsWith('hello: chromium '))).toMatch(/GREASE ECH\): JA4 t13d\S+, JA3 [0-9a-f]{32} of the listed order \(shuffles/);
  });
});
