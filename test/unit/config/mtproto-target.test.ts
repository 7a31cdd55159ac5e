// Catalogue targets of kind mtproto: defaults, the DC ids MTProto allows, and what the schema refuses.
import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../../src/config/issues.js';
import { parseTarget } from '../../../src/config/targets.js';
import { targetInput } from '../../../src/model/index.js';

function parse(raw: unknown): { target: ReturnType<typeof parseTarget>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const target = parseTarget(raw, 'telegram.yaml', 'targets[0]', '/tmp', issues);
  return { target, issues };
}

describe('mtproto targets', () => {
  it('defaults the port to 443, the transport to intermediate and the DC to 2', () => {
    expect(parse({ id: 'dc2', kind: 'mtproto', host: '149.154.167.51' })).toEqual({
      target: { id: 'dc2', kind: 'mtproto', host: '149.154.167.51', port: 443, transport: 'intermediate', dc: 2 },
      issues: [],
    });
  });

  it('takes a transport, a port, a group and the DC ids the documentation allows: 1–5, negative for media, +10000 for test', () => {
    for (const dc of [1, 5, -4, 10002, -10005]) {
      const { target, issues } = parse({ id: 'dc', kind: 'mtproto', host: 'dc.test', port: 80, transport: 'obfuscated2', dc, group: 'dcs' });
      expect(issues).toEqual([]);
      expect(target).toEqual({ id: 'dc', kind: 'mtproto', host: 'dc.test', port: 80, transport: 'obfuscated2', dc, group: 'dcs' });
    }
    expect(targetInput(parse({ id: 'dc', kind: 'mtproto', host: '149.154.167.51', transport: 'abridged' }).target!)).toBe('149.154.167.51:443 transport=abridged');
  });

  it('names an unknown transport, a DC id MTProto has not, an unknown key and a bad port', () => {
    const issues = (raw: object) => parse({ id: 'dc', kind: 'mtproto', host: 'dc.test', ...raw }).issues;
    expect(issues({ transport: 'full' }).map((i) => i.path)).toEqual(['targets[0].transport']);
    for (const dc of [0, 6, -6, 10000, 10006, 2.5]) expect(issues({ dc }).map((i) => i.path), String(dc)).toEqual(['targets[0].dc']);
    expect(issues({ dc: 7 })[0].message).toMatch(/1 to 5.*media.*test/);
    expect(issues({ sni: 'x.test' }).map((i) => i.path)).toEqual(['targets[0]']);
    expect(issues({ port: 70000 }).map((i) => i.path)).toEqual(['targets[0].port']);
  });
});
