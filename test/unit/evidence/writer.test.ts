/** The evidence log: lines, rotation by size and day, the cap, never a torn line; a disk that fails costs little and is said. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

  it('writes a target\'s verdict over several trials as a line with no measurement, after the trials\' own lines', async () => {
    const d = dir();
    const w = new EvidenceWriter({ dir: d, maxBytes: 1 << 20, logger, now: () => new Date('2024-05-01T10:00:00Z') });
    w.write(record('r1'));
    const combined = { ...verdict(telegram, 'isp', 'anomaly').targets[0], status: 'anomaly' as const, pattern: 'tls.reset' as const, trials: { run: 3, blocked: 1 }, evidence: { intermittent: { blocked: 1, judged: 3 } } };
    w.write({ round: 'r1', measurement: null, verdict: combined, vantage: 'isp', app: 'telegram', target: 'web' });
    await w.close();
    const [, last] = lines(d, 'blockwatch-2024-05-01.jsonl').map((l) => JSON.parse(l));
    expect([last.vantage, last.app, last.target, last.round, last.measurement]).toEqual(['isp', 'telegram', 'web', 'r1', null]);
    expect([last.verdict.status, last.verdict.trials, last.verdict.evidence.intermittent]).toEqual(['anomaly', { run: 3, blocked: 1 }, { blocked: 1, judged: 3 }]);
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

/** CPU time (user + system, every thread) this process has used, in seconds, as the kernel counts it (proc(5): utime, stime). */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the line; the slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe('EvidenceWriter on a folder it cannot write', () => {
  it('on /proc/evidence: counts and logs the loss, idles (CPU time over a window), and closes at once', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void logged.push(JSON.parse(l) as Record<string, unknown>) });
    let errors = 0;
    const w = new EvidenceWriter({ dir: '/proc/evidence', maxBytes: 1 << 20, logger: log, onWriteError: () => errors++ });
    w.write(record('r0'));
    await w.flush();
    // Node's own recursive mkdir never settles here and spins a thread at a full core.
    const before = cpuSeconds();
    const until = Date.now() + 3000;
    for (let i = 1; Date.now() < until; i++) {
      w.write(record(`r${i}`));
      await new Promise((r) => setTimeout(r, 50));
    }
    const used = cpuSeconds() - before;
    expect(used).toBeLessThan(1);
    // One attempt, then a second after its back-off (1 s, then 2 s): the rest waits.
    expect(errors).toBeGreaterThanOrEqual(1);
    expect(errors).toBeLessThanOrEqual(3);
    expect(w.errors).toBe(errors);
    // The first failure is logged at once, with the code; the next only a minute later.
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ msg: 'evidence write failed: lines lost; the next attempt waits', code: 'ENOENT', dir: '/proc/evidence', errors: 1, lines: 1 });
    await w.close();
    expect(w.written).toBe(0);
    expect(w.dropped).toBeGreaterThan(40);
  });

  it('under a regular file: ENOTDIR, retried after its back-off, and written once the folder can be made', async () => {
    const d = dir();
    writeFileSync(join(d, 'blocker'), 'not a folder');
    let errors = 0;
    const w = new EvidenceWriter({ dir: join(d, 'blocker', 'evidence'), maxBytes: 1 << 20, logger, onWriteError: () => errors++, retry: { firstMs: 200, maxMs: 400 } });
    w.write(record('lost'));
    await w.flush();
    expect([errors, w.dropped]).toEqual([1, 1]);
    // Fixed while the writer waits: the next attempt, after the back-off, writes.
    rmSync(join(d, 'blocker'));
    w.write(record('kept'));
    await new Promise((r) => setTimeout(r, 600));
    await w.flush();
    await w.close();
    expect(errors).toBe(1);
    const [file] = readdirSync(join(d, 'blocker', 'evidence'));
    expect(lines(join(d, 'blocker', 'evidence'), file).map((l) => JSON.parse(l).round)).toEqual(['kept']);
  });
});
