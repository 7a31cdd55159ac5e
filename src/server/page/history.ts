/**
 * The status page's memory: the last rounds' statuses per (vantage, app,
 * target) and per (vantage, app), in small fixed-size rings, and the time each
 * current status began. In memory only; a restart starts it afresh.
 */
import { APP_STATUSES, PATTERNS, TARGET_STATUSES, type AppStatus, type Pattern, type Report, type TargetStatus } from '../../model/index.js';

/** One round's status for one key. */
export interface Mark<S extends string = string> {
  /** Milliseconds since the epoch: the end of the round that saw it. */
  at: number;
  status: S;
  pattern: Pattern | null;
}

export interface Track<S extends string = string> {
  /** Oldest first, at most `size` of them. */
  marks: Mark<S>[];
  /** When the current status began: the first round of the current unbroken run of it. */
  since: number;
  /** True when that run goes back to the first round this key was seen in (it may be older still). */
  sinceFirstSeen: boolean;
}

const PATTERN_CODE = new Map<Pattern, number>(PATTERNS.map((p, i) => [p, i + 1]));

/**
 * A ring of statuses, compact on purpose: 10 bytes a round (a time and a
 * status/pattern code), so that a long history for many targets stays small.
 */
class Ring<S extends string> {
  private times: Float64Array;
  private codes: Uint16Array;
  private next = 0;
  private count = 0;
  private since = 0;
  private readonly firstSeen: number;

  constructor(
    size: number,
    private readonly statuses: readonly S[],
    at: number,
  ) {
    this.times = new Float64Array(size);
    this.codes = new Uint16Array(size);
    this.firstSeen = at;
  }

  push(at: number, status: S, pattern: Pattern | null): void {
    const code = this.statuses.indexOf(status) * 64 + (pattern ? PATTERN_CODE.get(pattern)! : 0);
    const current = this.count > 0 ? this.statusOf(this.codes[(this.next + this.times.length - 1) % this.times.length]) : null;
    if (current !== status) this.since = at;
    this.times[this.next] = at;
    this.codes[this.next] = code;
    this.next = (this.next + 1) % this.times.length;
    this.count = Math.min(this.count + 1, this.times.length);
  }

  /** Keeps the newest `size` marks. */
  resize(size: number): void {
    const marks = this.marks().slice(-size);
    this.times = new Float64Array(size);
    this.codes = new Uint16Array(size);
    this.next = 0;
    this.count = 0;
    const since = this.since;
    for (const m of marks) this.push(m.at, m.status, m.pattern);
    this.since = since;
  }

  private statusOf(code: number): S {
    return this.statuses[code >> 6];
  }

  marks(): Mark<S>[] {
    const out: Mark<S>[] = [];
    const size = this.times.length;
    for (let i = 0; i < this.count; i++) {
      const j = (this.next - this.count + i + size) % size;
      const p = this.codes[j] & 63;
      out.push({ at: this.times[j], status: this.statusOf(this.codes[j]), pattern: p ? PATTERNS[p - 1] : null });
    }
    return out;
  }

  track(): Track<S> {
    return { marks: this.marks(), since: this.since, sinceFirstSeen: this.since === this.firstSeen };
  }
}

const key = (...parts: string[]) => parts.join('\u0000');

/** What the history keeps apps and targets for: the configured vantage and app ids, and each app's target ids. */
export interface Retained {
  vantages: string[];
  apps: Array<{ id: string; targets: Array<{ id: string }> }>;
}

export class History {
  private readonly targets = new Map<string, Ring<TargetStatus>>();
  private readonly apps = new Map<string, Ring<AppStatus>>();

  constructor(private size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`history size must be a positive integer, got ${size}`);
  }

  get rounds(): number {
    return this.size;
  }

  /** Adds one round: a mark for every app and target verdict in the report. */
  record(report: Report): void {
    const at = Date.parse(report.finishedAt);
    for (const a of report.apps) {
      ring(this.apps, key(a.vantage, a.app), () => new Ring(this.size, APP_STATUSES, at)).push(at, a.status, a.patterns[0] ?? null);
      for (const t of a.targets) {
        ring(this.targets, key(a.vantage, a.app, t.id), () => new Ring(this.size, TARGET_STATUSES, at)).push(at, t.status, t.pattern);
      }
    }
  }

  target(vantage: string, app: string, target: string): Track<TargetStatus> | null {
    return this.targets.get(key(vantage, app, target))?.track() ?? null;
  }

  app(vantage: string, app: string): Track<AppStatus> | null {
    return this.apps.get(key(vantage, app))?.track() ?? null;
  }

  /** A new size (on reload): each ring keeps its newest marks. */
  resize(size: number): void {
    if (size === this.size) return;
    this.size = size;
    for (const r of this.targets.values()) r.resize(size);
    for (const r of this.apps.values()) r.resize(size);
  }

  /** Forgets vantages, apps and targets no longer configured (on reload). */
  retain(keep: Retained): void {
    const apps = new Set<string>();
    const targets = new Set<string>();
    for (const v of keep.vantages) {
      for (const a of keep.apps) {
        apps.add(key(v, a.id));
        for (const t of a.targets) targets.add(key(v, a.id, t.id));
      }
    }
    for (const k of this.apps.keys()) if (!apps.has(k)) this.apps.delete(k);
    for (const k of this.targets.keys()) if (!targets.has(k)) this.targets.delete(k);
  }

  /** Number of rings held (apps and targets), for tests of the bound. */
  get keys(): number {
    return this.apps.size + this.targets.size;
  }
}

function ring<S extends string>(map: Map<string, Ring<S>>, k: string, make: () => Ring<S>): Ring<S> {
  let r = map.get(k);
  if (!r) {
    r = make();
    map.set(k, r);
  }
  return r;
}
