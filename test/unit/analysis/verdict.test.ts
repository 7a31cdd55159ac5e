// Verdict rules: how a finding's control and signature become a status, offline and interrupted probes, failures without step detail.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyTarget, statusOf, unknownVerdict, type AnalysisInput, type Finding } from '../../../src/analysis/index.js';
import { PATTERNS } from '../../../src/model/index.js';
import { connect, input, measurement, okHttps, WEB } from './build.js';

const finding = (over: Partial<Finding>): Finding => ({ pattern: 'tcp.timeout', step: 'tcp', control: 'none', controlSource: null, strength: 'none', reason: '', ...over });

describe('statusOf', () => {
  it.each([
    ['none', 'none', 'anomaly'],
    ['passed', 'none', 'blocked'],
    ['shared', 'none', 'down'],
    ['none', 'signature', 'blocked'],
    ['shared', 'signature', 'down'],
    ['shared', 'definitive', 'blocked'],
  ] as const)('control %s, strength %s → %s', (control, strength, want) => {
    expect(statusOf(finding({ control, strength }))).toBe(want);
  });

  it('never calls a failure without a pattern blocked', () => {
    expect(statusOf(finding({ pattern: null, control: 'passed', strength: 'definitive' }))).toBe('anomaly');
    expect(statusOf(finding({ pattern: null, control: 'shared' }))).toBe('down');
  });
});

const goldenDir = join(import.meta.dirname, '../../golden/analysis');
const goldenInputs = readdirSync(goldenDir).map((f) => (JSON.parse(readFileSync(join(goldenDir, f), 'utf8')) as { input: Omit<AnalysisInput, 'fingerprints'> }).input);

describe('classifyTarget', () => {
  it('says unknown for every recorded measurement when the vantage is offline', () => {
    fc.assert(
      fc.property(fc.constantFrom(...goldenInputs), (g) => {
        const v = classifyTarget({ ...g, vantageOnline: false, fingerprints: { dns: [], http: [] } });
        expect([v.status, v.pattern]).toEqual(['unknown', null]);
      }),
      { numRuns: goldenInputs.length * 2 },
    );
  });

  it('gives a pattern only to blocked and anomalous verdicts', () => {
    for (const g of goldenInputs) {
      const v = classifyTarget({ ...g, fingerprints: { dns: [], http: [] } });
      if (v.status !== 'blocked' && v.status !== 'anomaly') expect(v.pattern).toBeNull();
      else if (v.pattern !== null) expect(PATTERNS).toContain(v.pattern);
    }
  });

  it('classifies a failure the engine recorded without step detail by its operation', () => {
    const m = measurement({ failure: 'connection_reset', operation: 'tls_handshake' });
    const v = classifyTarget(input(m, { control: okHttps() }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'tls.reset']);
  });

  it('calls an unknown failure an anomaly without a pattern, never blocked', () => {
    const m = measurement({ tcp_connect: [connect('149.154.167.99', 443, 'unknown_failure: EPROTO')], failure: 'unknown_failure: EPROTO', operation: 'connect' });
    const v = classifyTarget(input(m, { control: okHttps() }));
    expect([v.status, v.pattern]).toEqual(['anomaly', null]);
  });

  it('names an app pattern, never an HTTP one, for an MTProto exchange that failed: silence is app.timeout, a reset or close app.reset', () => {
    const target = { id: 'dc2', kind: 'mtproto' as const, host: '149.154.167.51', port: 443, transport: 'intermediate' as const };
    const expected = { generic_timeout_error: 'app.timeout', connection_reset: 'app.reset', eof_error: 'app.reset' } as const;
    for (const failure of ['generic_timeout_error', 'connection_reset', 'eof_error'] as const) {
      const m = measurement({ target, tcp_connect: [connect('149.154.167.51', 443)], failure, operation: 'mtproto_handshake' });
      const v = classifyTarget(input(m));
      expect([v.status, v.pattern, v.input], failure).toEqual(['anomaly', expected[failure], '149.154.167.51:443 transport=intermediate']);
      expect(v.evidence.basis).toMatchObject({ step: 'app' });
    }
  });

  it('records which control decided, and why, in evidence.basis', () => {
    const m = measurement({ tcp_connect: [connect('149.154.167.99', 443, 'generic_timeout_error')], failure: 'generic_timeout_error', operation: 'connect' });
    const v = classifyTarget(input(m, { control: okHttps() }));
    expect(v.evidence.basis).toMatchObject({ step: 'tcp', observed: 'tcp.timeout', control: 'passed', controlSource: 'control_vantage' });
  });

  it('unknownVerdict names the target and the reason', () => {
    expect(unknownVerdict(WEB, 'probe_failed_to_run')).toEqual({
      id: 'web',
      kind: 'https',
      input: 'https://web.telegram.org/',
      status: 'unknown',
      pattern: null,
      failure: null,
      operation: null,
      timings: { total: 0 },
      evidence: { reason: 'probe_failed_to_run' },
      diagnosis: null,
      basis: null,
      trials: { run: 1, blocked: 0 },
    });
  });
});

describe('a probe its vantage could not carry', () => {
  it('is unknown at the vantage whose proxy refused it, and is no control for another', () => {
    const target = { id: 'dc', kind: 'tcp' as const, host: '198.18.1.43', port: 443 };
    const base = { app: 'a', target, startedAt: '', queries: [], tls_handshakes: [], requests: [], timings: { total: 1 } };
    const refused = { ...base, vantage: 'abroad', tcp_connect: [{ ip: '198.18.1.43', port: 443, status: { success: false, failure: 'unknown_failure: proxy_refused (NotAllowed)' as const }, t0: 0, t: 0.01 }], failure: 'unknown_failure: proxy_refused (NotAllowed)' as const, operation: 'connect' as const };
    const timeout = { ...base, vantage: 'isp', tcp_connect: [{ ip: '198.18.1.43', port: 443, status: { success: false, failure: 'generic_timeout_error' as const }, t0: 0, t: 2 }], failure: 'generic_timeout_error' as const, operation: 'connect' as const };
    const fp = { dns: [], http: [] };
    const atControl = classifyTarget({ measurement: refused, vantageOnline: true, controlQueries: null, control: refused, diagnosis: [], fingerprints: fp });
    expect([atControl.status, atControl.pattern]).toEqual(['unknown', null]);
    const atIsp = classifyTarget({ measurement: timeout, vantageOnline: true, controlQueries: null, control: refused, diagnosis: [], fingerprints: fp });
    expect([atIsp.status, atIsp.pattern]).toEqual(['anomaly', 'tcp.timeout']);
  });
});
