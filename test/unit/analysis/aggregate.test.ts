// App aggregation: redundant groups, essential and non-essential groups, and the order of patterns.
import { describe, expect, it } from 'vitest';
import { aggregateApp } from '../../../src/analysis/index.js';
import type { App, Pattern, Target, TargetStatus, TargetVerdict } from '../../../src/model/index.js';

const tcp = (id: string, group?: string): Target => ({ id, kind: 'tcp', host: `${id}.whatsapp.net`, port: 443, ...(group ? { group } : {}) });

/** WhatsApp-like: chat hosts e1…e4 are redundant; web is its own group and not essential; register stands alone. */
const WHATSAPP: App = {
  id: 'whatsapp',
  name: 'WhatsApp',
  sources: [],
  targets: [tcp('e1', 'chat'), tcp('e2', 'chat'), tcp('e3', 'chat'), tcp('e4', 'chat'), tcp('register'), tcp('web')],
  groups: { web: { essential: false } },
  file: 'probes/whatsapp.yaml',
};

const v = (id: string, status: TargetStatus, pattern: Pattern | null = null): TargetVerdict => ({
  id,
  kind: 'tcp',
  input: `${id}.whatsapp.net:443`,
  status,
  pattern: status === 'blocked' || status === 'anomaly' ? pattern : null,
  failure: null,
  operation: null,
  timings: { total: 0.1 },
  evidence: {},
  diagnosis: null,
  basis: null,
  trials: { run: 1, blocked: status === 'blocked' ? 1 : 0 },
});

const agg = (verdicts: TargetVerdict[], online = true) => aggregateApp(WHATSAPP, 'isp', verdicts, online);
const all = (chat: TargetStatus[], register: TargetStatus, web: TargetStatus, pattern: Pattern = 'tcp.timeout') => [
  ...chat.map((s, i) => v(`e${i + 1}`, s, pattern)),
  v('register', register, 'dns.nxdomain'),
  v('web', web, 'tls.sni_filter'),
];

describe('aggregateApp', () => {
  it('is reachable when everything is ok', () => {
    expect(agg(all(['ok', 'ok', 'ok', 'ok'], 'ok', 'ok')).status).toBe('reachable');
  });

  it('keeps the app reachable while one chat host of the group still works, listing what was seen', () => {
    const a = agg(all(['blocked', 'blocked', 'blocked', 'ok'], 'ok', 'ok'));
    expect([a.status, a.patterns]).toEqual(['reachable', ['tcp.timeout']]);
  });

  it('is blocked when every chat host is blocked', () => {
    const a = agg(all(['blocked', 'blocked', 'blocked', 'blocked'], 'ok', 'ok'));
    expect([a.status, a.patterns]).toEqual(['blocked', ['tcp.timeout']]);
  });

  it('is blocked when the group mixes blocked and down targets and none is ok', () => {
    expect(agg(all(['blocked', 'down', 'down', 'down'], 'ok', 'ok')).status).toBe('blocked');
  });

  it('is degraded, not blocked, when only a non-essential group is blocked', () => {
    const a = agg(all(['ok', 'ok', 'ok', 'ok'], 'ok', 'blocked'));
    expect([a.status, a.patterns]).toEqual(['degraded', ['tls.sni_filter']]);
  });

  it('stays reachable when only a non-essential group is down', () => {
    expect(agg(all(['ok', 'ok', 'ok', 'ok'], 'ok', 'down')).status).toBe('reachable');
  });

  it('is down when an essential group is down and nothing is blocked', () => {
    expect(agg(all(['down', 'down', 'down', 'down'], 'ok', 'ok')).status).toBe('down');
  });

  it('is an anomaly when an essential group fails with an anomaly and nothing is confirmed', () => {
    expect(agg(all(['anomaly', 'down', 'down', 'down'], 'ok', 'ok')).status).toBe('anomaly');
  });

  it('is blocked when one essential group is blocked and another down', () => {
    expect(agg(all(['down', 'down', 'down', 'down'], 'blocked', 'ok')).status).toBe('blocked');
  });

  it('is unknown when the essential groups are only unknown', () => {
    expect(agg(all(['unknown', 'unknown', 'unknown', 'unknown'], 'unknown', 'ok')).status).toBe('unknown');
  });

  it('is unknown, with every target unknown, when the vantage is offline', () => {
    const a = agg(all(['blocked', 'blocked', 'blocked', 'blocked'], 'blocked', 'blocked'), false);
    expect([a.status, a.patterns]).toEqual(['unknown', []]);
    expect(a.targets.every((t) => t.status === 'unknown' && t.pattern === null)).toBe(true);
  });

  it('lists first the patterns that fail an essential group, then confirmed before suspected, then by count', () => {
    const verdicts = [
      v('e1', 'ok'),
      v('e2', 'blocked', 'tcp.refused'),
      v('e3', 'anomaly', 'tls.reset'),
      v('e4', 'anomaly', 'tls.reset'),
      v('register', 'anomaly', 'dns.nxdomain'),
      v('web', 'blocked', 'tls.sni_filter'),
    ];
    const a = agg(verdicts);
    expect(a.status).toBe('anomaly');
    expect(a.patterns).toEqual(['dns.nxdomain', 'tcp.refused', 'tls.sni_filter', 'tls.reset']);
  });

  it('treats a target with no group, and one the catalogue does not know, as its own group', () => {
    const a = aggregateApp(WHATSAPP, 'isp', [v('e1', 'ok'), v('register', 'ok'), v('stray', 'blocked', 'http.451')], true);
    expect(a.status).toBe('blocked');
  });
});
