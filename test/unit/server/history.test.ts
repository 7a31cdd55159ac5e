/** The status page's history ring: bounded per key and in keys, the time each current status began, resize and retain on reload. */
import { describe, expect, it } from 'vitest';
import type { AppVerdict, Report, TargetStatus } from '../../../src/model/index.js';
import { History } from '../../../src/server/page/history.js';
import { telegram, verdict, whatsapp } from '../metrics/fixture.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (round: number) => T0 + round * 60_000;

/** A round in which telegram's web target at isp has `status` (blocked ones with `pattern`), everything else ok. */
function round(n: number, status: TargetStatus, pattern: AppVerdict['patterns'][number] | null = null): Report {
  const appStatus = status === 'ok' ? 'reachable' : status;
  return {
    schema: 'blockwatch.report/v1',
    startedAt: new Date(at(n) - 5000).toISOString(),
    finishedAt: new Date(at(n)).toISOString(),
    vantages: [],
    apps: [
      verdict(telegram, 'isp', appStatus, { web: { status, pattern } }),
      verdict(telegram, 'abroad', 'reachable'),
      verdict(whatsapp, 'isp', 'reachable'),
    ],
  };
}

describe('History', () => {
  it('keeps at most `size` marks per target, the newest, oldest first', () => {
    const h = new History(5);
    for (let i = 0; i < 50; i++) h.record(round(i, i % 2 ? 'blocked' : 'ok', i % 2 ? 'tls.sni_filter' : null));
    const track = h.target('isp', 'telegram', 'web')!;
    expect(track.marks.map((m) => m.at)).toEqual([45, 46, 47, 48, 49].map(at));
    expect(track.marks.map((m) => m.status)).toEqual(['blocked', 'ok', 'blocked', 'ok', 'blocked']);
    expect(track.marks.map((m) => m.pattern)).toEqual(['tls.sni_filter', null, 'tls.sni_filter', null, 'tls.sni_filter']);
    expect(h.app('isp', 'telegram')!.marks).toHaveLength(5);
  });

  it('holds one ring per configured app and target per vantage, however many rounds pass', () => {
    const h = new History(3);
    for (let i = 0; i < 20; i++) h.record(round(i, 'ok'));
    // Apps: telegram@isp, telegram@abroad, whatsapp@isp; targets: 3 + 3 + 1.
    expect(h.keys).toBe(3 + 7);
  });

  it('dates the current status from the first round of its unbroken run', () => {
    const h = new History(10);
    h.record(round(0, 'ok'));
    h.record(round(1, 'ok'));
    expect(h.target('isp', 'telegram', 'web')).toMatchObject({ since: at(0), sinceFirstSeen: true });
    h.record(round(2, 'blocked', 'tls.reset'));
    // A new pattern within the same status does not restart the run.
    h.record(round(3, 'blocked', 'tls.sni_filter'));
    expect(h.target('isp', 'telegram', 'web')).toMatchObject({ since: at(2), sinceFirstSeen: false });
    expect(h.app('isp', 'telegram')).toMatchObject({ since: at(2), sinceFirstSeen: false });
    h.record(round(4, 'ok'));
    expect(h.target('isp', 'telegram', 'web')!.since).toBe(at(4));
    // Targets that never changed keep the time they were first seen.
    expect(h.target('isp', 'telegram', 'dns')).toMatchObject({ since: at(0), sinceFirstSeen: true });
  });

  it('keeps the start of a run older than the ring', () => {
    const h = new History(3);
    h.record(round(0, 'ok'));
    for (let i = 1; i <= 10; i++) h.record(round(i, 'blocked', 'tcp.timeout'));
    const track = h.target('isp', 'telegram', 'web')!;
    expect(track.marks.map((m) => m.at)).toEqual([8, 9, 10].map(at));
    expect(track.since).toBe(at(1));
  });

  it('keeps the newest marks and the run start when resized', () => {
    const h = new History(6);
    h.record(round(0, 'ok'));
    for (let i = 1; i <= 5; i++) h.record(round(i, 'down'));
    h.resize(2);
    expect(h.rounds).toBe(2);
    expect(h.target('isp', 'telegram', 'web')).toMatchObject({ since: at(1), marks: [{ at: at(4), status: 'down' }, { at: at(5), status: 'down' }] });
    h.resize(4);
    h.record(round(6, 'down'));
    h.record(round(7, 'ok'));
    expect(h.target('isp', 'telegram', 'web')!.marks.map((m) => m.status)).toEqual(['down', 'down', 'down', 'ok']);
  });

  it('forgets vantages, apps and targets no longer configured', () => {
    const h = new History(3);
    h.record(round(0, 'ok'));
    h.retain({ vantages: ['isp'], apps: [{ id: 'telegram', targets: [{ id: 'web' }, { id: 'dns' }] }] });
    expect(h.target('isp', 'telegram', 'web')).not.toBeNull();
    expect(h.target('isp', 'telegram', 'dc2')).toBeNull();
    expect(h.target('abroad', 'telegram', 'web')).toBeNull();
    expect(h.app('isp', 'whatsapp')).toBeNull();
    expect(h.keys).toBe(1 + 2);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new History(0)).toThrow(RangeError);
  });
});
