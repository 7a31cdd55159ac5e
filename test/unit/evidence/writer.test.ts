/** The evidence log: lines, rotation by size and day, the cap, never a torn line. */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EvidenceWriter, type EvidenceRecord } from '../../../src/evidence/index.js';
import type { Measurement } from '../../../src/model/index.js';
import { telegram, verdict } from '../metrics/fixture.js';

const logger = pino({ level: 'silent' });
const dir = () => mkdtempSync(join(tmpdir(), 'bw-evidence-'));

function record(round: string, note = ''): EvidenceRecord {
  const target = telegram.targets[0];
  const measurement: Measurement = {
    app: 'telegram', vantage: 'isp', target, startedAt: '2024-05-01T10:00:00.000Z',
    queries: [], tcp_connect: [], tls_handshakes: [],
    requests: [{ request: { url: 'https://web.telegram.org/', method: 'GET', headers: {} }, response: null, failure: 'connection_reset', t0: 0, t: 0.1 }],
    failure: 'connection_reset', operation: 'tls_handshake', timings: { total: 0.1 },
  };
  return { round, measurement, verdict: { ...verdict(telegram, 'isp', 'blocked').targets[0], status: 'blocked', pattern: 'tls.reset', evidence: { note } } };
}

function lines(d: string, name: string): string[] {
  return readFileSync(join(d, name), 'utf8').split('\n').slice(0, -1);
}

function clock(iso: string) {
  let now = new Date(iso);
  return { now: () => now, set: (s: string) => (now = new Date(s)) };
}

describe('EvidenceWriter', () => {
  it('writes one JSON line per record with the evidence schema and OONI measurement keys', async () => {
    const d = dir();
    const w = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger, now: () => new Date('2024-05-01T10:00:00Z') });
    w.write(record('r1'));
    await w.close();
    expect(readdirSync(d)).toEqual(['blockwatch-2024-05-01.jsonl']);
    const [line, ...rest] = lines(d, 'blockwatch-2024-05-01.jsonl');
    expect(rest).toEqual([]);
    const o = JSON.parse(line);
    expect(Object.keys(o)).toEqual(['schema', 'vantage', 'app', 'target', 'round', 'measurement', 'verdict']);
    expect([o.schema, o.vantage, o.app, o.target, o.round]).toEqual(['blockwatch.evidence/v1', 'isp', 'telegram', 'web', 'r1']);
    expect(o.measurement.requests[0].failure).toBe('connection_reset');
    expect(o.verdict.status).toBe('blocked');
  });

  it('rotates to .1, .2 … when a file would pass maxBytes/8', async () => {
    const d = dir();
    const size = Buffer.byteLength(`${JSON.stringify({ ...record('r0') })}\n`); // a lower bound of one line
    const w = new EvidenceWriter({ dir: d, maxBytes: 8 * (3 * size + 600), logger, now: () => new Date('2024-05-01T10:00:00Z') });
    for (let i = 0; i < 10; i++) w.write(record(`r${i}`));
    await w.close();
    const files = readdirSync(d).sort();
    expect(files).toEqual(['blockwatch-2024-05-01.1.jsonl', 'blockwatch-2024-05-01.2.jsonl', 'blockwatch-2024-05-01.3.jsonl', 'blockwatch-2024-05-01.jsonl']);
    const rounds = ['blockwatch-2024-05-01.jsonl', 'blockwatch-2024-05-01.1.jsonl', 'blockwatch-2024-05-01.2.jsonl', 'blockwatch-2024-05-01.3.jsonl']
      .flatMap((f) => lines(d, f).map((l) => JSON.parse(l).round));
    expect(rounds).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    for (const f of files) expect(readFileSync(join(d, f)).length).toBeLessThanOrEqual(3 * size + 600);
  });

  it('starts a new file when the UTC day changes', async () => {
    const d = dir();
    const c = clock('2024-05-01T23:59:59Z');
    const w = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger, now: c.now });
    w.write(record('a'));
    c.set('2024-05-02T00:00:00Z');
    w.write(record('b'));
    await w.close();
    expect(readdirSync(d).sort()).toEqual(['blockwatch-2024-05-01.jsonl', 'blockwatch-2024-05-02.jsonl']);
    expect(lines(d, 'blockwatch-2024-05-02.jsonl').map((l) => JSON.parse(l).round)).toEqual(['b']);
  });

  it('keeps the total under maxBytes by deleting the oldest files, and leaves other files alone', async () => {
    const d = dir();
    writeFileSync(join(d, 'notes.txt'), 'mine');
    const c = clock('2024-05-01T00:00:00Z');
    const maxBytes = 16 * 1024;
    const w = new EvidenceWriter({ dir: d, maxBytes, logger, now: c.now });
    for (let day = 1; day <= 20; day++) {
      c.set(`2024-05-${String(day).padStart(2, '0')}T12:00:00Z`);
      for (let i = 0; i < 4; i++) w.write(record(`d${day}-${i}`));
      await w.flush();
    }
    await w.close();
    const files = readdirSync(d).filter((f) => f.endsWith('.jsonl')).sort();
    const total = files.reduce((s, f) => s + readFileSync(join(d, f)).length, 0);
    expect(total).toBeLessThanOrEqual(maxBytes);
    expect(files).toContain('blockwatch-2024-05-20.jsonl');
    expect(files).not.toContain('blockwatch-2024-05-01.jsonl');
    expect(readdirSync(d)).toContain('notes.txt');
  });

  it('never interleaves lines written concurrently, big ones included', async () => {
    const d = dir();
    const w = new EvidenceWriter({ dir: d, maxBytes: 1 << 30, logger, now: () => new Date('2024-05-01T10:00:00Z') });
    const n = 200;
    for (let i = 0; i < n; i++) w.write(record(`r${i}`, String.fromCharCode(97 + (i % 26)).repeat(1000 + i * 997)));
    await w.close();
    const all = readdirSync(d).flatMap((f) => lines(d, f));
    expect(all.length).toBe(n);
    const parsed = all.map((l) => JSON.parse(l));
    expect(parsed.map((o) => o.round)).toEqual(Array.from({ length: n }, (_, i) => `r${i}`));
    parsed.forEach((o, i) => expect(o.verdict.evidence.note).toBe(String.fromCharCode(97 + (i % 26)).repeat(1000 + i * 997)));
  });

  it('keeps a line with any content on one line', async () => {
    const d = dir();
    const w = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger, now: () => new Date('2024-05-01T10:00:00Z') });
    const nasty = 'a\nb\r\nc\u2028d\u2029e\u0000f"g\\h\ud800i</title>\u{1F600}';
    w.write(record('x', nasty));
    await w.close();
    const all = lines(d, 'blockwatch-2024-05-01.jsonl');
    expect(all.length).toBe(1);
    // JSON.stringify escapes a lone surrogate, so even that survives the round trip.
    expect(JSON.parse(all[0]).verdict.evidence.note).toBe(nasty);
  });

  it('continues the day\'s last file after a restart', async () => {
    const d = dir();
    const now = () => new Date('2024-05-01T10:00:00Z');
    const w1 = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger, now });
    w1.write(record('before'));
    await w1.close();
    const w2 = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger, now });
    w2.write(record('after'));
    await w2.close();
    expect(readdirSync(d)).toEqual(['blockwatch-2024-05-01.jsonl']);
    expect(lines(d, 'blockwatch-2024-05-01.jsonl').map((l) => JSON.parse(l).round)).toEqual(['before', 'after']);
  });

  it('drops, and counts, lines written after close', async () => {
    const d = dir();
    const w = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger });
    await w.close();
    w.write(record('late'));
    expect(w.dropped).toBe(1);
    expect(readdirSync(d)).toEqual([]);
  });
});
