/**
 * Prometheus metrics of the README's metric table, on a registry of their own.
 *
 * API:
 *   const m = new Metrics({ version });
 *   m.configure(config)          // pre-creates every series of the configured vantages × apps × targets,
 *                                // removes the series of those no longer configured; sets reload-successful 1
 *   m.recordProbe(vantage, app, kind, status, timings)   // probes_total + probe_duration_seconds
 *   m.recordApp(verdict, now?)   // app_status, app_reachable, target_success, target_blocked, target_blocked_ratio
 *   m.recordVantage(state)       // vantage_online, vantage_state, vantage_offline_reason
 *   m.roundDone(vantage, date)   // round_timestamp_seconds
 *   m.roundSkipped()             // rounds_skipped_total: a round due while the last still ran
 *   m.roundPeak(n)               // round_in_flight_peak: the most probes that ran at once in the last round
 *   m.recordControls(controls)   // control_resolver_reachable: whether the trusted resolver answered this round
 *   m.alertSent(receiver, 'success' | 'failure')
 *   m.alertDropped(receiver, 'queue_full' | 'rejected')   // alerts_dropped_total: payloads given up
 *   m.configReload(ok)
 *   m.evidenceWriteError()       // evidence_write_errors_total: a failed attempt to write the evidence log
 *   await m.render(); m.contentType
 *
 * Label values come only from configured ids, statuses, kinds, patterns and
 * phases: a record naming an unconfigured vantage, app, target or receiver is
 * ignored (and reported by the boolean result), so nothing unbounded gets in.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DROP_REASONS, type DropReason } from '../alerts/types.js';
import {
  APP_STATUSES,
  DEFAULT_BLOCKED_RATIO_WINDOW_MS,
  OFFLINE_REASONS,
  TARGET_STATUSES,
  VANTAGE_STATES,
  type AppVerdict,
  type Config,
  type ControlsState,
  type Pattern,
  type TargetKind,
  type TargetStatus,
  type Timings,
  type VantageState,
} from '../model/index.js';
import { DURATION_BUCKETS, PHASES, PHASES_OF_KIND, sanitizeLabelName } from './labels.js';

/** How often the event loop's delay is sampled for nodejs_eventloop_lag_*. */
export const EVENT_LOOP_SAMPLE_MS = 100;

export { DURATION_BUCKETS, PHASES, PHASES_OF_KIND, sanitizeLabelName } from './labels.js';

type Labels = Record<string, string>;
/** Key → label set of the series a metric should carry. */
type SeriesSet = Map<string, Labels>;

const SEP = '\u0000';
const key = (...parts: string[]): string => parts.join(SEP);

interface MetricLike {
  remove(labels: Labels): void;
}

interface BlockedSeries {
  kind: TargetKind;
  pattern: Pattern;
}


/** One round's trials of a target, for the blocked ratio. */
interface TrialCount {
  at: number;
  run: number;
  blocked: number;
}

export class Metrics {
  /** blockwatch's own series. */
  readonly registry = new Registry();
  /** Node's process metrics, read at every scrape. */
  private readonly process = new Registry();
  private text: Promise<string> | null = null;
  private readonly appStatus: Gauge<string>;
  private readonly appReachable: Gauge<string>;
  private readonly targetSuccess: Gauge<string>;
  private readonly targetBlocked: Gauge<string>;
  private readonly blockedRatio: Gauge<string>;
  private readonly inFlightPeak: Gauge<string>;
  private readonly controlResolver: Gauge<string>;
  private readonly probeDuration: Histogram<string>;
  private readonly probesTotal: Counter<string>;
  private readonly vantageOnline: Gauge<string>;
  private readonly vantageState: Gauge<string>;
  private readonly offlineReason: Gauge<string>;
  private vantageInfo: Gauge<string> | null = null;
  private readonly roundTimestamp: Gauge<string>;
  private readonly alertsSent: Counter<string>;
  private readonly alertsDropped: Counter<string>;
  private readonly reloadSuccessful: Gauge<string>;
  private readonly roundsSkipped: Counter<string>;
  private readonly evidenceWriteErrors: Counter<string>;

  /** What configure() last created, per metric, so a reload can remove what went away. */
  private series = emptySeries();
  private vantages = new Set<string>();
  private apps = new Map<string, Map<string, TargetKind>>();
  private receivers = new Set<string>();
  /** vantage, app, target → the blocked series currently present. */
  private blocked = new Map<string, BlockedSeries>();
  /** vantage, app, target → the trials of the rounds inside the ratio window, oldest first. */
  private trials = new Map<string, TrialCount[]>();
  private ratioWindowMs = DEFAULT_BLOCKED_RATIO_WINDOW_MS;

  constructor(opts: { version: string; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.appStatus = new Gauge({
      name: 'blockwatch_app_status',
      help: 'Current status of an app at a vantage: 1 for the current status, 0 for the others.',
      labelNames: ['vantage', 'app', 'status'],
      registers,
    });
    this.appReachable = new Gauge({
      name: 'blockwatch_app_reachable',
      help: 'Whether the app works from the vantage (status reachable or degraded).',
      labelNames: ['vantage', 'app'],
      registers,
    });
    this.targetSuccess = new Gauge({
      name: 'blockwatch_target_success',
      help: 'Whether the last probe of the target succeeded (status ok).',
      labelNames: ['vantage', 'app', 'target', 'kind'],
      registers,
    });
    this.targetBlocked = new Gauge({
      name: 'blockwatch_target_blocked',
      help: 'Present, with value 1, only while the target is blocked; pattern names the technique.',
      labelNames: ['vantage', 'app', 'target', 'kind', 'pattern'],
      registers,
    });
    this.blockedRatio = new Gauge({
      name: 'blockwatch_target_blocked_ratio',
      help: 'Share of the target\'s trials (schedule.trials per round, confirmation re-probes included) that were blocked over schedule.blockedRatioWindow (default 15m); trials at an offline vantage do not count.',
      labelNames: ['vantage', 'app', 'target'],
      registers,
    });
    this.inFlightPeak = new Gauge({
      name: 'blockwatch_round_in_flight_peak',
      help: 'The most probes, control lookups and diagnoses that ran at once in the last round (bounded by schedule.concurrency).',
      registers,
    });
    this.controlResolver = new Gauge({
      name: 'blockwatch_control_resolver_reachable',
      help: 'Whether the trusted control resolver answered in the last round that asked it (0: no control for DNS; the targets it was to judge are anomaly). Absent until a round has asked it.',
      registers,
    });
    this.probeDuration = new Histogram({
      name: 'blockwatch_probe_duration_seconds',
      help: 'Duration of each phase of a probe.',
      labelNames: ['vantage', 'app', 'kind', 'phase'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.probesTotal = new Counter({
      name: 'blockwatch_probes_total',
      help: 'Probes run, by the status of their verdict.',
      labelNames: ['vantage', 'app', 'kind', 'status'],
      registers,
    });
    this.vantageOnline = new Gauge({
      name: 'blockwatch_vantage_online',
      help: 'Whether the vantage reaches its canaries (1 for online and walled: its verdicts count).',
      labelNames: ['vantage'],
      registers,
    });
    this.vantageState = new Gauge({
      name: 'blockwatch_vantage_state',
      help: 'State of the vantage: 1 for the current state (online, walled: only domestic canaries answer, offline), 0 for the others.',
      labelNames: ['vantage', 'state'],
      registers,
    });
    this.offlineReason = new Gauge({
      name: 'blockwatch_vantage_offline_reason',
      help: 'Why the vantage is offline: 1 for the current reason (shutdown, silent, link, unknown) while offline, 0 for the others.',
      labelNames: ['vantage', 'reason'],
      registers,
    });
    this.roundTimestamp = new Gauge({
      name: 'blockwatch_round_timestamp_seconds',
      help: 'Unix time at the end of the last complete round of the vantage.',
      labelNames: ['vantage'],
      registers,
    });
    this.alertsSent = new Counter({
      name: 'blockwatch_alerts_sent_total',
      help: 'Native alert delivery attempts, by receiver and result.',
      labelNames: ['receiver', 'result'],
      registers,
    });
    // Beyond the README's metric contract, in its style: alerts lost are never silent.
    this.alertsDropped = new Counter({
      name: 'blockwatch_alerts_dropped_total',
      help: 'Native alert payloads given up, by receiver and reason: queue_full (the oldest waiting payload made room) or rejected (the receiver refused it every attempt).',
      labelNames: ['receiver', 'reason'],
      registers,
    });
    this.reloadSuccessful = new Gauge({
      name: 'blockwatch_config_last_reload_successful',
      help: 'Whether the last configuration load succeeded.',
      registers,
    });
    // Beyond the README's metric contract: rounds never stack, so a late one is skipped and counted here.
    this.roundsSkipped = new Counter({
      name: 'blockwatch_rounds_skipped_total',
      help: 'Rounds skipped because the previous round was still running.',
      registers,
    });
    // Beyond the README's metric contract: evidence that cannot be written is never lost in silence.
    this.evidenceWriteErrors = new Counter({
      name: 'blockwatch_evidence_write_errors_total',
      help: 'Failed attempts to write the evidence log (each loses the lines it carried; the log says why).',
      registers,
    });
    const buildInfo = new Gauge({
      name: 'blockwatch_build_info',
      help: 'Version of blockwatch and of Node.js it runs on.',
      labelNames: ['version', 'nodejs'],
      registers,
    });
    buildInfo.set({ version: opts.version, nodejs: process.version }, 1);
    // The event loop's delay is sampled every 100 ms, not prom-client's default 10 ms: a timer
    // firing 100 times a second keeps an idle daemon waking (and costing CPU) between rounds,
    // and a lag worth alerting on lasts far longer than either.
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.process, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition text. blockwatch's own series change only when a round (or an
   * alert, or a reload) is recorded, so their text is rendered once per change
   * and served from cache; the process metrics are read at every scrape. At
   * tens of thousands of series this keeps a scrape to milliseconds.
   */
  async render(): Promise<string> {
    this.text ??= this.registry.metrics();
    const [own, process] = await Promise.all([this.text, this.process.metrics()]);
    return own + process;
  }

  /** Marks the cached text stale after any change to blockwatch's series. */
  private changed(): void {
    this.text = null;
  }

  /** Pre-creates the series of a (new or reloaded) config and removes those of what is gone. */
  configure(config: Config): void {
    this.changed();
    const apps = new Map<string, Map<string, TargetKind>>();
    for (const app of config.apps) {
      if (app.closed) continue;
      apps.set(app.id, new Map(app.targets.map((t) => [t.id, t.kind])));
    }
    const next = emptySeries();
    for (const v of config.vantages) {
      next.vantage.set(key(v.id), { vantage: v.id });
      for (const state of VANTAGE_STATES) next.vantageState.set(key(v.id, state), { vantage: v.id, state });
      for (const reason of OFFLINE_REASONS) next.offlineReason.set(key(v.id, reason), { vantage: v.id, reason });
      for (const [appId, targets] of apps) {
        for (const status of APP_STATUSES) {
          next.appStatus.set(key(v.id, appId, status), { vantage: v.id, app: appId, status });
        }
        next.appReachable.set(key(v.id, appId), { vantage: v.id, app: appId });
        const kinds = new Set<TargetKind>();
        for (const [targetId, kind] of targets) {
          kinds.add(kind);
          next.target.set(key(v.id, appId, targetId, kind), { vantage: v.id, app: appId, target: targetId, kind });
          next.ratio.set(key(v.id, appId, targetId), { vantage: v.id, app: appId, target: targetId });
        }
        for (const kind of kinds) {
          for (const status of TARGET_STATUSES) {
            next.probes.set(key(v.id, appId, kind, status), { vantage: v.id, app: appId, kind, status });
          }
          for (const phase of PHASES_OF_KIND[kind]) {
            next.duration.set(key(v.id, appId, kind, phase), { vantage: v.id, app: appId, kind, phase });
          }
        }
      }
    }
    for (const r of config.alerts.receivers) {
      for (const result of ['success', 'failure']) next.alerts.set(key(r.name, result), { receiver: r.name, result });
      for (const reason of DROP_REASONS) next.dropped.set(key(r.name, reason), { receiver: r.name, reason });
    }

    sync(this.appStatus, this.series.appStatus, next.appStatus, (l) => this.appStatus.set(l, l.status === 'unknown' ? 1 : 0));
    sync(this.appReachable, this.series.appReachable, next.appReachable, (l) => this.appReachable.set(l, 0));
    sync(this.targetSuccess, this.series.target, next.target, (l) => this.targetSuccess.set(l, 0));
    sync(this.blockedRatio, this.series.ratio, next.ratio, (l) => this.blockedRatio.set(l, 0));
    for (const k of this.trials.keys()) if (!next.ratio.has(k)) this.trials.delete(k);
    sync(this.probesTotal, this.series.probes, next.probes, (l) => this.probesTotal.inc(l, 0));
    sync(this.probeDuration, this.series.duration, next.duration, (l) => this.probeDuration.zero(l));
    sync(this.vantageOnline, this.series.vantage, next.vantage, (l) => this.vantageOnline.set(l, 0));
    // Before a vantage's first round no state is current: every state series is 0.
    sync(this.vantageState, this.series.vantageState, next.vantageState, (l) => this.vantageState.set(l, 0));
    sync(this.offlineReason, this.series.offlineReason, next.offlineReason, (l) => this.offlineReason.set(l, 0));
    // The round timestamp appears with a vantage's first round; it only needs removing here.
    sync(this.roundTimestamp, this.series.vantage, next.vantage, () => undefined);
    sync(this.alertsSent, this.series.alerts, next.alerts, (l) => this.alertsSent.inc(l, 0));
    sync(this.alertsDropped, this.series.dropped, next.dropped, (l) => this.alertsDropped.inc(l, 0));
    for (const [k, b] of this.blocked) {
      const [vantage, app, target] = k.split(SEP);
      if (!next.target.has(key(vantage, app, target, b.kind))) {
        this.targetBlocked.remove({ vantage, app, target, kind: b.kind, pattern: b.pattern });
        this.blocked.delete(k);
      }
    }
    this.series = next;
    this.vantages = new Set(config.vantages.map((v) => v.id));
    this.apps = apps;
    this.receivers = new Set(config.alerts.receivers.map((r) => r.name));
    this.configureVantageInfo(config);
    this.ratioWindowMs = config.schedule.blockedRatioWindowMs ?? DEFAULT_BLOCKED_RATIO_WINDOW_MS;
    this.reloadSuccessful.set(1);
  }

  /** Label names differ per vantage, so the metric carries their union, empty where a vantage lacks one. */
  private configureVantageInfo(config: Config): void {
    const names = new Map<string, string>(); // sanitized → first configured key
    for (const v of config.vantages) {
      for (const k of Object.keys(v.labels)) {
        const n = sanitizeLabelName(k);
        if (!names.has(n)) names.set(n, k);
      }
    }
    const labelNames = ['vantage', 'control', ...[...names.keys()].sort()];
    this.registry.removeSingleMetric('blockwatch_vantage_info');
    this.vantageInfo = new Gauge({
      name: 'blockwatch_vantage_info',
      help: 'Metadata of a vantage: whether it is a control, and its configured labels.',
      labelNames,
      registers: [this.registry],
    });
    for (const v of config.vantages) {
      const labels: Labels = { vantage: v.id, control: String(v.control) };
      for (const n of names.keys()) labels[n] = '';
      for (const [k, value] of Object.entries(v.labels)) {
        const n = sanitizeLabelName(k);
        if (names.get(n) === k) labels[n] = value;
      }
      this.vantageInfo.set(labels, 1);
    }
  }

  /** Counts one probe and observes the phases it reached. */
  recordProbe(vantage: string, app: string, kind: TargetKind, status: TargetStatus, timings: Timings): boolean {
    this.changed();
    if (!this.series.probes.has(key(vantage, app, kind, status))) return false;
    this.probesTotal.inc({ vantage, app, kind, status });
    for (const phase of PHASES) {
      const seconds = timings[phase];
      if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) {
        this.probeDuration.observe({ vantage, app, kind, phase }, seconds);
      }
    }
    return true;
  }

  /** Sets an app's status gauges and its targets' success, blocked and blocked-ratio series. */
  recordApp(verdict: AppVerdict, now: Date = new Date()): boolean {
    this.changed();
    const { vantage, app } = verdict;
    const targets = this.apps.get(app);
    if (!targets || !this.vantages.has(vantage)) return false;
    for (const status of APP_STATUSES) this.appStatus.set({ vantage, app, status }, status === verdict.status ? 1 : 0);
    this.appReachable.set({ vantage, app }, verdict.status === 'reachable' || verdict.status === 'degraded' ? 1 : 0);
    for (const t of verdict.targets) {
      const kind = targets.get(t.id);
      if (kind === undefined || kind !== t.kind) continue;
      this.targetSuccess.set({ vantage, app, target: t.id, kind }, t.status === 'ok' ? 1 : 0);
      const bk = key(vantage, app, t.id);
      const prev = this.blocked.get(bk);
      const pattern = t.status === 'blocked' ? t.pattern : null;
      if (prev && prev.pattern !== pattern) {
        this.targetBlocked.remove({ vantage, app, target: t.id, kind: prev.kind, pattern: prev.pattern });
        this.blocked.delete(bk);
      }
      if (pattern) {
        this.targetBlocked.set({ vantage, app, target: t.id, kind, pattern }, 1);
        this.blocked.set(bk, { kind, pattern });
      }
      // Unknown trials (an offline vantage, a probe that could not run) are neither blocked nor not.
      if (t.status !== 'unknown') this.recordTrials(vantage, app, t.id, t.trials.run, t.trials.blocked, now.getTime());
    }
    return true;
  }

  private recordTrials(vantage: string, app: string, target: string, run: number, blocked: number, at: number): void {
    const k = key(vantage, app, target);
    if (!this.series.ratio.has(k) || run <= 0) return;
    const list = (this.trials.get(k) ?? []).filter((c) => c.at > at - this.ratioWindowMs);
    list.push({ at, run, blocked });
    this.trials.set(k, list);
    const total = list.reduce((n, c) => n + c.run, 0);
    const bad = list.reduce((n, c) => n + c.blocked, 0);
    this.blockedRatio.set({ vantage, app, target }, bad / total);
  }

  /** The trusted resolver's standing in the round just finished; a round that never asked it changes nothing. */
  recordControls(controls: ControlsState | undefined): void {
    if (!controls || controls.resolver === 'unused') return;
    this.changed();
    this.controlResolver.set(controls.resolver === 'reachable' ? 1 : 0);
  }

  /** The most jobs that ran at once in the round just finished. */
  roundPeak(inFlight: number): void {
    this.changed();
    this.inFlightPeak.set(inFlight);
  }

  recordVantage(state: VantageState): boolean {
    this.changed();
    if (!this.vantages.has(state.id)) return false;
    this.vantageOnline.set({ vantage: state.id }, state.online ? 1 : 0);
    for (const s of VANTAGE_STATES) this.vantageState.set({ vantage: state.id, state: s }, s === state.state ? 1 : 0);
    for (const r of OFFLINE_REASONS) this.offlineReason.set({ vantage: state.id, reason: r }, state.state === 'offline' && r === state.reason ? 1 : 0);
    return true;
  }

  roundDone(vantage: string, at: Date): boolean {
    this.changed();
    if (!this.vantages.has(vantage)) return false;
    this.roundTimestamp.set({ vantage }, at.getTime() / 1000);
    return true;
  }

  roundSkipped(): void {
    this.changed();
    this.roundsSkipped.inc();
  }

  alertSent(receiver: string, result: 'success' | 'failure'): boolean {
    this.changed();
    if (!this.receivers.has(receiver)) return false;
    this.alertsSent.inc({ receiver, result });
    return true;
  }

  alertDropped(receiver: string, reason: DropReason): boolean {
    this.changed();
    if (!this.receivers.has(receiver)) return false;
    this.alertsDropped.inc({ receiver, reason });
    return true;
  }

  evidenceWriteError(): void {
    this.changed();
    this.evidenceWriteErrors.inc();
  }

  /** A failed reload sets 0 and keeps every series of the running config; a good one is configure(). */
  configReload(ok: boolean): void {
    this.changed();
    this.reloadSuccessful.set(ok ? 1 : 0);
  }
}

function emptySeries() {
  return {
    appStatus: new Map() as SeriesSet,
    appReachable: new Map() as SeriesSet,
    target: new Map() as SeriesSet,
    ratio: new Map() as SeriesSet,
    probes: new Map() as SeriesSet,
    duration: new Map() as SeriesSet,
    vantage: new Map() as SeriesSet,
    vantageState: new Map() as SeriesSet,
    offlineReason: new Map() as SeriesSet,
    alerts: new Map() as SeriesSet,
    dropped: new Map() as SeriesSet,
  };
}

/** Removes the series no longer wanted and creates the new ones; series kept keep their values. */
function sync(metric: MetricLike, prev: SeriesSet, next: SeriesSet, create: (labels: Labels) => void): void {
  for (const [k, labels] of prev) if (!next.has(k)) metric.remove(labels);
  for (const [k, labels] of next) if (!prev.has(k)) create(labels);
}
