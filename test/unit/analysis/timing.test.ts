// Throttling by timing: the name several times slower than an innocuous one on the same address, judged against the control.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyTarget, planDiagnosis } from '../../../src/analysis/index.js';
import type { DiagnosisStep } from '../../../src/model/index.js';
import { connect, handshake, HOST, input, IP, measurement, query, request, response } from './build.js';

const sample = (handshake: number, ttfb?: number) => ({ sni: 'x', handshake, ...(ttfb !== undefined ? { ttfb } : {}), failure: null });
const side = (named: number[], innocuous: number[], ttfb?: { named: number[]; innocuous: number[] }) => ({
  named: named.map((h, i) => sample(h, ttfb?.named[i])),
  innocuous: innocuous.map((h, i) => sample(h, ttfb?.innocuous[i])),
});
const timing = (vantage: unknown, control: unknown = null): DiagnosisStep => ({
  step: 'handshake_timing', input: `${IP}:443 sni=${HOST} vs example.com`, outcome: 'success', failure: null, detail: { ip: IP, port: 443, sni: HOST, innocuous: 'example.com', vantage, control },
});
/** An https probe that worked, with its handshake and first byte taking these seconds. */
const slow = (tls: number, ttfb = 0.05) =>
  measurement({
    queries: [query('A', [IP])], tcp_connect: [connect(IP, 443)], tls_handshakes: [handshake(IP)], requests: [request(response(200))],
    timings: { dns: 0.01, connect: 0.02, tls, ttfb, total: tls + ttfb + 0.05 },
  });

describe('throttling by timing', () => {
  it('asks for timing only when a handshake or first byte took a second or more', () => {
    expect(planDiagnosis(slow(0.3), null).map((r) => r.step)).toEqual([]);
    expect(planDiagnosis(slow(2.5), null)).toEqual([{ step: 'handshake_timing', ip: IP, port: 443, sni: HOST, innocuous: 'example.com', ttfb: true }]);
    expect(planDiagnosis(slow(0.2, 3), null).map((r) => r.step)).toEqual(['handshake_timing']);
  });

  it('is throttled, basis handshake, when the name is several times slower and the control sees no such ratio', () => {
    const v = classifyTarget(input(slow(2.6), { diagnosis: [timing(side([2.4, 2.5], [0.2, 0.25, 0.3]), side([0.2, 0.2], [0.21, 0.2, 0.2]))] }));
    expect([v.status, v.pattern, v.basis, v.diagnosis]).toEqual(['blocked', 'throttled', 'handshake', 'handshake_timing']);
    // The fastest handshake with the name over the innocuous median.
    expect((v.evidence.timing as { handshake: { vantage: { ratio: number } } }).handshake.vantage.ratio).toBeCloseTo(2.4 / 0.25);
  });

  it('is not throttled for a server slow for every name: the innocuous name is as slow', () => {
    const v = classifyTarget(input(slow(2.6), { diagnosis: [timing(side([2.5], [2.4, 2.7]), side([2.5], [2.6, 2.4]))] }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it('is not throttled when the control sees the name as much slower: the server, not the path', () => {
    const v = classifyTarget(input(slow(2.6), { diagnosis: [timing(side([2.4], [0.2, 0.25]), side([2.3], [0.2, 0.22]))] }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it('is an anomaly without a control to time the same address', () => {
    const v = classifyTarget(input(slow(2.6), { diagnosis: [timing(side([2.4], [0.2, 0.25]))] }));
    expect([v.status, v.pattern, v.basis]).toEqual(['anomaly', 'throttled', 'handshake']);
  });

  it('is throttled, basis ttfb, when the handshakes are alike and the first byte with the name is slow', () => {
    const v = classifyTarget(
      input(slow(0.2, 3.1), { diagnosis: [timing(side([0.2], [0.2, 0.21], { named: [3.0], innocuous: [0.1, 0.12] }), side([0.2], [0.2, 0.2], { named: [0.1], innocuous: [0.1, 0.1] }))] }),
    );
    expect([v.status, v.pattern, v.basis]).toEqual(['blocked', 'throttled', 'ttfb']);
  });

  it('never names a gap below half a second, however large the ratio', () => {
    const v = classifyTarget(input(slow(1.0), { diagnosis: [timing(side([0.1], [0.05, 0.06]), side([0.05], [0.05, 0.05]))] }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it('reads one lost SYN as no throttle: the probe slow, its follow-up with the name fast', () => {
    // 10% loss in the lab: the probe's own handshake waited a second for a retransmitted SYN, the others did not.
    const v = classifyTarget(input(slow(1.2), { diagnosis: [timing(side([0.02, 0.03], [0.02, 0.02, 0.03]), side([0.02, 0.02], [0.02, 0.02, 0.02]))] }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
    expect((v.evidence.timing as { handshake: { vantage: { named: number } } }).handshake.vantage.named).toBe(0.02);
  });

  it('reads two slow named handshakes out of three as no throttle while one was fast', () => {
    const v = classifyTarget(input(slow(1.2), { diagnosis: [timing(side([1.05, 0.02], [0.02, 0.03, 0.02]), side([0.02, 0.02], [0.02, 0.02, 0.02]))] }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it('names no residual slowdown while one innocuous handshake was fast', () => {
    const v = classifyTarget(input(slow(2.6), { diagnosis: [timing(side([2.5, 2.4], [2.4, 0.1, 2.6]), side([0.1, 0.1], [0.1, 0.12, 0.1]))] }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it('never reads throttling while a named and an innocuous handshake went as fast as the control (random loss slows some, not all)', () => {
    const fast = fc.double({ min: 0.005, max: 0.2, noNaN: true });
    const any = fc.double({ min: 0.005, max: 12, noNaN: true });
    fc.assert(
      fc.property(fc.double({ min: 1, max: 12, noNaN: true }), fast, any, fast, fc.array(any, { minLength: 2, maxLength: 2 }), fc.array(fast, { minLength: 5, maxLength: 5 }), (own, namedFast, namedOther, innocuousFast, innocuousOthers, ctl) => {
          const v = classifyTarget(input(slow(own), { diagnosis: [timing(side([namedOther, namedFast], [innocuousOthers[0], innocuousFast, innocuousOthers[1]]), side(ctl.slice(0, 2), ctl.slice(2)))] }));
          expect(v.pattern).toBeNull();
        },
      ),
    );
  });

  it('says inconclusive when the address is slow from here whatever the name and fast from the control (a residual slowdown)', () => {
    const v = classifyTarget(input(slow(2.6), { diagnosis: [timing(side([2.5, 2.7], [2.4, 2.6, 2.5]), side([0.1, 0.1], [0.1, 0.12, 0.1]))] }));
    expect([v.status, v.pattern, v.basis, v.diagnosis]).toEqual(['blocked', 'throttled', 'handshake', 'inconclusive']);
  });
});
