/** Canary scopes in the config: foreign by default, domestic ones limited to vantages by id or label, every mistake named with its field. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryNotes } from '../../../src/commands/validate.js';
import { loadConfig, readConfig } from '../../../src/config/load.js';
import { canariesOf } from '../../../src/model/index.js';

const APP = 'id: chat\nname: Chat\nsources: ["test"]\ntargets:\n  - { id: dns, kind: dns, host: chat.test }\n';

function fixture(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-canaries-'));
  mkdirSync(join(dir, 'probes'));
  writeFileSync(join(dir, 'probes', 'chat.yaml'), APP);
  writeFileSync(join(dir, 'blockwatch.yaml'), `probes: ./probes\n${config}`);
  return join(dir, 'blockwatch.yaml');
}

const VANTAGES = `vantages:
  - { id: mts, labels: { country: RU, isp: MTS } }
  - { id: beeline, labels: { country: RU } }
  - { id: abroad, labels: { country: DE }, control: true }
`;

function issues(config: string) {
  return readConfig(fixture(config), {}).issues.map((i) => `${i.path}: ${i.message}`);
}

describe('canary scopes in the config', () => {
  it('makes a canary foreign and for every vantage unless it says otherwise', () => {
    const config = loadConfig(fixture(`${VANTAGES}canaries:\n  - { id: example, kind: https, url: "https://www.example.com/" }\n`), {});
    expect(config.canaries).toEqual([
      { target: { id: 'example', kind: 'https', url: 'https://www.example.com/' }, scope: 'foreign', vantages: null, vantageLabels: null },
    ]);
    expect(config.vantages.map((v) => canariesOf(config.canaries, v).length)).toEqual([1, 1, 1]);
  });

  it('applies a domestic canary to the vantages it names by id, or whose labels include its vantageLabels', () => {
    const config = loadConfig(
      fixture(`${VANTAGES}canaries:
  - { id: example, kind: https, url: "https://www.example.com/" }
  - { id: gosuslugi, kind: https, url: "https://www.gosuslugi.ru/", scope: domestic, vantageLabels: { country: RU } }
  - { id: mts-portal, kind: tls, host: mts.ru, port: 443, scope: domestic, vantages: [mts] }
  - { id: mts-or-de, kind: tls, host: example.org, port: 443, scope: domestic, vantages: [mts], vantageLabels: { country: DE } }
`),
      {},
    );
    const of = (id: string) => canariesOf(config.canaries, config.vantages.find((v) => v.id === id)!).map((c) => `${c.target.id}/${c.scope}`);
    expect(of('mts')).toEqual(['example/foreign', 'gosuslugi/domestic', 'mts-portal/domestic', 'mts-or-de/domestic']);
    expect(of('beeline')).toEqual(['example/foreign', 'gosuslugi/domestic']);
    expect(of('abroad')).toEqual(['example/foreign', 'mts-or-de/domestic']);
    expect(config.canaries[1]).toMatchObject({ scope: 'domestic', vantages: null, vantageLabels: { country: 'RU' } });
    // The scope fields are the canary's, not the target's: the probe gets a plain target.
    expect(config.canaries[2].target).toEqual({ id: 'mts-portal', kind: 'tls', host: 'mts.ru', port: 443 });
  });

  it('names the field and the fix for a bad scope, an unknown vantage, empty lists and a bad target', () => {
    expect(
      issues(`${VANTAGES}canaries:
  - { id: a, kind: https, url: "https://a.example/", scope: local }
  - { id: b, kind: https, url: "https://b.example/", scope: domestic, vantages: [mts, tele2] }
  - { id: c, kind: https, url: "https://c.example/", scope: domestic, vantages: [] }
  - { id: d, kind: https, url: "https://d.example/", scope: domestic, vantageLabels: {} }
  - { id: e, kind: https, url: "http://e.example/", scope: domestic, vantageLabels: { country: RU } }
  - { id: f, kind: https, url: "https://f.example/", scope: domestic, vantageLabels: { country: RU }, colour: red }
  - { id: a, kind: https, url: "https://a2.example/" }
`),
    ).toEqual([
      'canaries[0].scope: found the text "local", expected foreign or domestic; domestic means a service inside the country of the vantages it applies to ' +
        '(it stays reachable under destination allowlisting); leave it out for foreign',
      'canaries[1].vantages[1]: found "tele2", expected a vantage of this file: mts, beeline, abroad',
      'canaries[2].vantages: found an empty list: list at least one vantage id, or leave vantages out',
      'canaries[3].vantageLabels: found an empty mapping: give at least one label, e.g. { country: RU }, or leave vantageLabels out to apply to every vantage',
      'canaries[4].url: found the text "http://e.example/", expected an https:// URL',
      'canaries[5].colour: unknown key "colour": remove it or check its spelling',
    ]);
  });

  it('reports a duplicate canary id with where the first one is', () => {
    expect(issues(`canaries:\n  - { id: a, kind: tls, host: a.example, port: 443 }\n  - { id: a, kind: tls, host: b.example, port: 443, scope: domestic }\n`)).toEqual([
      'canaries[1].id: found "a" again (first at canaries[0]), expected a unique id: rename one',
    ]);
  });

  it('notes, without failing, a vantage that cannot be told walled, one without canaries, and a canary no vantage uses', () => {
    const config = loadConfig(
      fixture(`${VANTAGES}canaries:
  - { id: yandex, kind: tls, host: ya.ru, port: 443, scope: domestic, vantageLabels: { country: RU } }
  - { id: example, kind: https, url: "https://www.example.com/", vantages: [beeline] }
  - { id: kz, kind: tls, host: kz.example, port: 443, scope: domestic, vantageLabels: { country: KZ } }
`),
      {},
    );
    expect(canaryNotes(config)).toEqual([
      'vantage "mts" has only domestic canaries: it cannot be told walled from online; add a foreign one',
      'no canary applies to vantage "abroad": it is always taken to be online',
      'canary "kz" applies to no vantage in this file (a fleet\'s shared list may mean that)',
    ]);
  });
});
