/**
 * One round: canaries per vantage (runner/canaries.ts), every selected target from every selected
 * vantage, controls (trusted resolver, control vantage) and diagnosis, then
 * verdicts. Data flows one way: engine → measurement → analysis → verdict.
 */
import { aggregateApp, classifyTarget, offlineReason, planDiagnosis } from '../analysis/index.js';
import { throughputStep } from '../diagnosis/run.js';
import type {
  App, AppVerdict, Canary, Config, DiagnosisStep, DnsQuery, Measurement, OfflineReason, Report, Target, TargetVerdict, Vantage, VantageState,
} from '../model/index.js';
import { canariesOf, targetHostname } from '../model/index.js';
import { limiter, type Limiter } from '../schedule/limit.js';
import { sleep } from '../schedule/sleep.js';
import { checkCanaries, offlineEvidence, type CanaryCheck } from './canaries.js';
import type { Transports, VantageTransport } from './transports.js';

export interface Observation {
  app: string;
  vantage: string;
  target: Target;
  measurement: Measurement;
  verdict: TargetVerdict;
  diagnosis: DiagnosisStep[];
}

/** What a round keeps of an observation once it has been handed on: the verdict, not the measurement. */
export type Concluded = Pick<Observation, 'app' | 'vantage' | 'target' | 'verdict'>;

export interface RoundOptions {
  /** App ids to probe; default all configured. */
  apps?: string[];
  /** Vantage ids to probe; default all. Control vantages are still probed on demand. */
  vantages?: string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Spread target starts over this many milliseconds (the daemon, with many targets). */
  spreadMs?: number;
  /**
   * Each observation as soon as it is concluded (metrics, evidence, logs). The round then
   * keeps only its verdict: `observations` in the result carry no measurement.
   */
  onObservation?: (o: Observation) => void;
  /** The round's start, as the report and evidence name it; default now. */
  startedAt?: string;
}

export interface RoundResult {
  report: Report;
  /** Whole observations, or only their verdicts when they were streamed to `onObservation`. */
  observations: Concluded[];
  states: VantageState[];
}

/** Shared state of one round: memoised controls, so each is asked once. */
export class Round {
  private readonly limit: Limiter;
  private readonly controlDns = new Map<string, Promise<DnsQuery[]>>();
  /** One measurement per vantage and target per round, shared by the vantage's own verdict and by controls. */
  private readonly measurements = new Map<string, Promise<Measurement>>();
  private readonly checks = new Map<string, Promise<CanaryCheck>>();
  private readonly reachable = new Map<string, Promise<boolean>>();

  constructor(
    readonly config: Config,
    readonly transports: Transports,
    readonly signal: AbortSignal,
  ) {
    this.limit = limiter(config.schedule.concurrency);
  }

  /** Probes one target under its own deadline, within the round's concurrency. */
  private run(t: VantageTransport, app: string, target: Target): Promise<Measurement> {
    return this.limit(() => this.transports.executor.run({ kind: 'probe', vantage: t.vantage.id, app, target }, this.signal));
  }

  measure(t: VantageTransport, app: string, target: Target): Promise<Measurement> {
    const key = `${app}\u0000${target.id}\u0000${t.vantage.id}`;
    let p = this.measurements.get(key);
    if (!p) {
      p = this.run(t, app, target);
      this.measurements.set(key, p);
    }
    return p;
  }

  /** Forgets a target's measurements once every vantage has concluded on it: the round keeps verdicts, not measurements. */
  release(app: string, target: Target): void {
    const prefix = `${app}\u0000${target.id}\u0000`;
    for (const t of this.transports.vantages.keys()) this.measurements.delete(prefix + t);
  }

  /** The canaries' verdict on a vantage, once per round (shared by the vantage itself and by controls). */
  vantageCheck(t: VantageTransport): Promise<CanaryCheck> {
    let p = this.checks.get(t.vantage.id);
    if (!p) {
      const { attempts, spacingMs } = this.config.alerts.confirm;
      let reachable!: (yes: boolean) => void;
      this.reachable.set(t.vantage.id, new Promise<boolean>((r) => (reachable = r)));
      p = checkCanaries(this.canaries(t), (c) => this.run(t, '_canary', c), { attempts, spacingMs, signal: this.signal, onReachable: () => reachable(true) });
      // A check that could not run leaves the vantage's verdicts out; its error surfaces from vantageState().
      void p.then((c) => reachable(c.state !== 'offline'), () => reachable(false));
      this.checks.set(t.vantage.id, p);
    }
    return p;
  }

  /**
   * Whether a vantage's verdicts count: online or walled (a walled vantage's domestic
   * canaries prove its path works). Known as soon as a domestic canary answers: the
   * re-probes that tell walled from online do not hold its targets back.
   */
  vantageOnline(t: VantageTransport): Promise<boolean> {
    void this.vantageCheck(t);
    return this.reachable.get(t.vantage.id)!;
  }

  /** The vantage's state for the report; an offline one with its reason, which weighs the other vantages of this host. */
  async vantageState(t: VantageTransport): Promise<VantageState> {
    const check = await this.vantageCheck(t);
    let reason: OfflineReason | null = null;
    if (check.state === 'offline') {
      const others = [...this.transports.vantages.values()].filter((o) => o.vantage.id !== t.vantage.id);
      const siblingOnline = (await Promise.all(others.map((o) => this.vantageCheck(o)))).some((c) => c.state !== 'offline');
      const evidence = await offlineEvidence(t, this.canaries(t), check, { timeoutMs: this.config.schedule.timeoutMs, signal: this.signal, siblingOnline });
      reason = offlineReason(evidence);
    }
    const v = t.vantage;
    return { id: v.id, online: check.state !== 'offline', state: check.state, reason, control: v.control, labels: v.labels, canaries: check.outcomes };
  }

  private canaries(t: VantageTransport): Canary[] {
    return canariesOf(this.config.canaries, t.vantage);
  }

  /** The trusted resolver's answers for a name (A and AAAA), once per round. */
  controlQueries(hostname: string): Promise<DnsQuery[]> {
    let p = this.controlDns.get(hostname);
    if (!p) {
      p = this.limit(() => this.transports.executor.run({ kind: 'control_dns', hostname }, this.signal));
      this.controlDns.set(hostname, p);
    }
    return p;
  }

  /**
   * The first online control vantage other than `except`. A walled control is no
   * control: the allowlist that walls it in would hide what it is meant to confirm.
   */
  async controlVantage(except: Vantage): Promise<VantageTransport | null> {
    for (const t of this.transports.vantages.values()) {
      if (!t.vantage.control || t.vantage.id === except.id) continue;
      if ((await this.vantageCheck(t)).state === 'online') return t;
    }
    return null;
  }

  /** The same target probed from a control vantage in this round (the control's own measurement). */
  async controlMeasurement(app: string, target: Target, from: Vantage): Promise<Measurement | null> {
    if (from.control) return null;
    const t = await this.controlVantage(from);
    return t ? this.measure(t, app, target) : null;
  }

  /** Measures one target from one vantage and concludes its verdict. */
  async assess(app: App, target: Target, t: VantageTransport, online: boolean): Promise<Observation> {
    const measurement = await this.measure(t, app.id, target);
    if (!online) {
      const verdict = classifyTarget({ measurement, vantageOnline: false, controlQueries: null, control: null, diagnosis: [], fingerprints: this.config.fingerprints });
      return { app: app.id, vantage: t.vantage.id, target, measurement, verdict, diagnosis: [] };
    }
    const hostname = targetHostname(target);
    const controlQueries = hostname ? await this.controlQueries(hostname) : null;
    const suspicious = measurement.failure !== null || measurement.transfer !== undefined;
    // A control vantage is believed uncensored: it is its own control, so a failure
    // there without an unambiguous signature reads as an outage, not as an anomaly.
    const control = !suspicious ? null : t.vantage.control ? measurement : await this.controlMeasurement(app.id, target, t.vantage);
    const requests = planDiagnosis(measurement, controlQueries);
    let diagnosis: DiagnosisStep[] = [];
    if (requests.length > 0) {
      const controlT = t.vantage.control ? null : await this.controlVantage(t.vantage);
      // The throughput step reads the control's measurement of this round; the others probe.
      const probing = requests.filter((r) => r.step !== 'throughput');
      const probed = probing.length
        ? await this.limit(() =>
            this.transports.executor.run({ kind: 'diagnose', vantage: t.vantage.id, control: controlT?.vantage.id ?? null, app: app.id, requests: probing }, this.signal),
          )
        : [];
      const read = await Promise.all(
        requests.filter((r) => r.step === 'throughput').map((r) => throughputStep(r, () => this.controlMeasurement(app.id, target, t.vantage))),
      );
      diagnosis = requests.map((r) => (r.step === 'throughput' ? read.shift()! : probed.shift()!));
    }
    const verdict = classifyTarget({ measurement, vantageOnline: true, controlQueries, control, diagnosis, fingerprints: this.config.fingerprints });
    return { app: app.id, vantage: t.vantage.id, target, measurement, verdict, diagnosis };
  }
}

export async function runRound(config: Config, transports: Transports, opts: RoundOptions = {}): Promise<RoundResult> {
  const startedAt = opts.startedAt ?? new Date().toISOString();
  const signal = opts.signal ?? new AbortController().signal;
  const round = new Round(config, transports, signal);
  const apps = opts.apps ? config.apps.filter((a) => opts.apps!.includes(a.id)) : config.apps;
  const selected = [...transports.vantages.values()].filter((t) => !opts.vantages || opts.vantages.includes(t.vantage.id));

  // Target by target, each from every selected vantage in turn, so a target's
  // measurements (its control among them) can be forgotten as soon as all have concluded.
  const work = apps.flatMap((app) => app.targets.map((target) => ({ app, target })));
  const total = work.length * selected.length;
  const observations: Concluded[] = [];
  // The reason of an offline vantage is looked into while its targets are probed; a
  // failure there is rethrown below, not left unhandled meanwhile.
  const states = selected.map((t) => {
    const p = round.vantageState(t);
    p.catch(() => undefined);
    return p;
  });
  const pending = new Map<string, number>();
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  // A bounded queue: as many runners as probes may run at once, each taking the next item.
  const runner = async (): Promise<void> => {
    while (next < total && !signal.aborted) {
      const i = next++;
      const { app, target } = work[Math.floor(i / selected.length)];
      const t = selected[i % selected.length];
      // Many targets start spread over a window rather than all at once.
      if (opts.spreadMs) await sleep(t0 + (opts.spreadMs * i) / total - performance.now(), signal);
      const online = await round.vantageOnline(t);
      const o = await round.assess(app, target, t, online);
      const key = `${app.id}\u0000${target.id}`;
      const left = (pending.get(key) ?? selected.length) - 1;
      if (left === 0) {
        pending.delete(key);
        round.release(app.id, target);
      } else pending.set(key, left);
      if (opts.onObservation) {
        opts.onObservation(o);
        observations.push({ app: o.app, vantage: o.vantage, target: o.target, verdict: o.verdict });
      } else observations.push(o);
      opts.onProgress?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.schedule.concurrency, total) }, runner));
  const vantageStates = await Promise.all(states);
  return { report: buildReport(config, apps, vantageStates, observations, startedAt), observations, states: vantageStates };
}

/** Aggregates observations into app verdicts and the report, in config order. */
export function buildReport(config: Config, apps: App[], states: VantageState[], observations: Concluded[], startedAt: string): Report {
  const vantageOrder = new Map(config.vantages.map((v, i) => [v.id, i]));
  const sortedStates = [...states].sort((a, b) => vantageOrder.get(a.id)! - vantageOrder.get(b.id)!);
  const verdicts: AppVerdict[] = [];
  const grouped = new Map<string, Concluded[]>();
  for (const o of observations) {
    const k = `${o.app}\u0000${o.vantage}`;
    const list = grouped.get(k);
    if (list) list.push(o);
    else grouped.set(k, [o]);
  }
  for (const app of apps) {
    for (const state of sortedStates) {
      const byTarget = new Map((grouped.get(`${app.id}\u0000${state.id}`) ?? []).map((o) => [o.target.id, o.verdict]));
      const targetVerdicts = app.targets.map((t) => byTarget.get(t.id)).filter((v): v is TargetVerdict => v !== undefined);
      verdicts.push(aggregateApp(app, state.id, targetVerdicts, state.online));
    }
  }
  return { schema: 'blockwatch.report/v1', startedAt, finishedAt: new Date().toISOString(), vantages: sortedStates, apps: verdicts };
}
