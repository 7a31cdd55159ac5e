// Throughput: the 1/3 ratio against the control, the floor without one, and transfers that freeze part-way.
import { describe, expect, it } from 'vitest';
import { classifyTarget, THROTTLE_RATIO } from '../../../src/analysis/index.js';
import type { Target, ThroughputSample } from '../../../src/model/index.js';
import { connect, handshake, input, IP, measurement, query, request, response, step } from './build.js';

const MEDIA: Target = { id: 'media', kind: 'https', url: 'https://web.telegram.org/1mb.bin', transfer: { bytes: 524288, floor: 1_000_000 } };
const sample = (bitsPerSecond: number, complete = true, bytes = 524288, stalled = !complete): ThroughputSample => ({
  bytes,
  seconds: (bytes * 8) / bitsPerSecond,
  bitsPerSecond,
  complete,
  ...(stalled ? { stalled: true } : {}),
});
const media = (t: ThroughputSample, vantage = 'isp') =>
  measurement({
    vantage,
    target: MEDIA,
    queries: [query('A', [IP])],
    tcp_connect: [connect(IP, 443)],
    tls_handshakes: [handshake(IP)],
    requests: [request(response(200), t.complete ? null : 'generic_timeout_error')],
    transfer: t,
    failure: t.complete ? null : 'generic_timeout_error',
    operation: t.complete ? null : 'read',
  });

describe('throughput', () => {
  it('is ok at exactly a third of the control and throttled just below it', () => {
    const control = media(sample(9_000_000), 'abroad');
    expect(classifyTarget(input(media(sample(9_000_000 * THROTTLE_RATIO)), { control })).status).toBe('ok');
    const v = classifyTarget(input(media(sample(2_999_000)), { control }));
    expect([v.status, v.pattern]).toEqual(['blocked', 'throttled']);
    expect(v.evidence.throughput).toMatchObject({ vantage: { bitsPerSecond: 2_999_000 }, control: { bitsPerSecond: 9_000_000, source: 'control_vantage' } });
  });

  it('uses a throughput diagnosis as the baseline when there is no control vantage', () => {
    const d = step('throughput', MEDIA.kind === 'https' ? MEDIA.url : '', 'success', null, { bitsPerSecond: 20_000_000, bytes: 524288, seconds: 0.2, complete: true });
    expect(classifyTarget(input(media(sample(150_000)), { diagnosis: [d] })).status).toBe('blocked');
  });

  it('without a control, is an anomaly below the floor and ok above it', () => {
    expect(classifyTarget(input(media(sample(999_999)))).status).toBe('anomaly');
    expect(classifyTarget(input(media(sample(1_000_000)))).status).toBe('ok');
  });

  it('calls a transfer that freezes while the control stalls too down', () => {
    const control = media(sample(10_000, false, 18_000), 'abroad');
    expect(classifyTarget(input(media(sample(12_000, false, 16_384)), { control })).status).toBe('down');
  });

  it('never calls a transfer down because the deadline cut the control while it was still moving (a slow control)', () => {
    const slowControl = media(sample(300_000, false, 150_000, false), 'abroad');
    // The vantage stalled at a rate near the control's, which was merely slow: no conclusion, so no outage.
    const v = classifyTarget(input(media(sample(200_000, false, 16_384)), { control: slowControl }));
    expect([v.status, v.pattern]).toEqual(['anomaly', 'throttled']);
    expect((v.evidence.basis as { control: string }).control).toBe('none');
    // Far below a control that was still moving is still throttling.
    const far = classifyTarget(input(media(sample(50_000, false, 20_000, false)), { control: slowControl }));
    expect([far.status, far.pattern]).toEqual(['blocked', 'throttled']);
  });

  it('marks a freeze after 16 KB as in the freeze band', () => {
    const v = classifyTarget(input(media(sample(12_000, false, 16_384)), { control: media(sample(9_000_000), 'abroad') }));
    expect(v.pattern).toBe('throttled');
    expect(v.evidence.throughput).toMatchObject({ stalledAfterBytes: 16_384, inFreezeBand: true });
  });

  it('leaves a transfer that moved no byte to the HTTP step', () => {
    const v = classifyTarget(input(media(sample(1, false, 0))));
    expect(v.pattern).toBe('http.timeout');
  });
});

describe('what is a throughput sample', () => {
  it('never calls an error page throttled, at the vantage or the control: the HTTP status is not the object', () => {
    const notFound = (vantage: string) => ({ ...media(sample(50_000, false, 9_000, false), vantage), requests: [request(response(404), null)], failure: null, operation: null });
    const v = classifyTarget(input(notFound('isp'), { control: notFound('abroad') }));
    expect([v.status, v.pattern, v.basis]).toEqual(['ok', null, null]);
    expect((v.evidence.throughput as Record<string, unknown>).notASample).toBe('status 404: not the object');
  });

  it('never calls a body that ended cleanly short of the wanted size throttled: a smaller object, not a slow one', () => {
    const short = { ...media(sample(900_000, false, 90_000, false)), requests: [request({ ...response(200), body_length: 90_000 }, null)], failure: null, operation: null };
    const v = classifyTarget(input(short, { control: media(sample(9_000_000), 'abroad') }));
    expect([v.status, v.pattern]).toEqual(['ok', null]);
  });

  it('names throughput as the basis of a slow transfer', () => {
    const v = classifyTarget(input(media(sample(150_000)), { control: media(sample(9_000_000), 'abroad') }));
    expect([v.status, v.pattern, v.basis, v.diagnosis]).toEqual(['blocked', 'throttled', 'throughput', null]);
  });
});
