/**
 * One round: canaries per vantage (runner/canaries.ts), every selected target from every selected
 * vantage, controls (trusted resolver, control vantage) and diagnosis, then
 * verdicts. Data flows one way: engine → measurement → analysis → verdict.
 */
import { aggregateApp, classifyTarget, combineTrials, offlineReason, planDiagnosis, slowPhase } from '../analysis/index.js';
import { throughputStep } from '../diagnosis/run.js';
import type {
  App, AppVerdict, Canary, Config, ControlsState, DiagnosisStep, DnsQuery, Measurement, OfflineReason, Report, Target, TargetVerdict, Vantage, VantageState,
} from '../model/index.js';
import { canariesOf, DEFAULT_TRIAL_SPACING_MS, targetHostname } from '../model/index.js';
import { shippedHelloProfiles } from '../config/hellos.js';
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
  /** A target probed more than once this round (trials, confirmations): its verdict over them all, once concluded. */
  onConcluded?: (o: Concluded) => void;
  /** The round's start, as the report and evidence name it; default now. */
  startedAt?: string;
  /**
   * Confirmation re-probes: a target whose verdict needs confirming (`needed`, e.g. bad now
   * and good last round) is probed again up to `attempts` times, `spacingMs` apart, within
   * this round's concurrency bound and with its canary and control results. Each re-probe is
   * one more trial of the target; they stop at the first that is not bad.
   */
  confirm?: { attempts: number; spacingMs: number; needed: (o: Concluded) => boolean };
}

export interface RoundResult {
  report: Report;
  /** Whole observations, or only their verdicts when they were streamed to `onObservation`. */
  observations: Concluded[];
  states: VantageState[];
  /** Confirmation re-probes run. */
  confirmations: number;
  /** The most probes, control lookups and diagnoses that ran at once: never above schedule.concurrency. */
  peakInFlight: number;
}

/** The client hellos a hello swap may try: every shipped profile, node:tls among them. */
let hellos: string[] | null = null;
function helloNames(): string[] {
  hellos ??= [...shippedHelloProfiles().profiles.keys()].sort();
  return hellos;
}

/** Follow-ups with an innocuous name, transport or client: the ones a residual block taints, asked again after limits.residualWait. */
const RETRIED: ReadonlySet<string> = new Set(['sni_swap', 'quic_sni_swap', 'transport_swap', 'hello_swap', 'ech_swap']);
/** Of those, the ones that do not name the blocked name. */
const INNOCUOUS_NAME: ReadonlySet<string> = new Set(['sni_swap', 'quic_sni_swap']);

/** The statuses a confirmation re-probe looks into; it stops at the first trial that is none of these. */
const BAD: ReadonlySet<TargetVerdict['status']> = new Set(['blocked', 'down', 'anomaly']);

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

  /** The most jobs that ran at once in this round. */
  get peakInFlight(): number {
    return this.limit.peak;
  }

  /** One trial's measurement of a target from a vantage: trial 0 is the round's first, shared with controls like every trial. */
  measure(t: VantageTransport, app: string, target: Target, trial = 0): Promise<Measurement> {
    const key = `${app}\u0000${target.id}\u0000${t.vantage.id}\u0000${trial}`;
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
    for (const k of this.measurements.keys()) if (k.startsWith(prefix)) this.measurements.delete(k);
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
      p.then(
        (qs) => {
          if (qs.some((q) => q.rcode !== null || q.answers.length > 0)) this.resolverReplied = true;
          else this.resolverSilent = true;
        },
        () => undefined,
      );
      this.controlDns.set(hostname, p);
    }
    return p;
  }

  private resolverReplied = false;
  private resolverSilent = false;

  /** How the controls stood this round: the trusted resolver, and control vantages that were not online. */
  async controlsState(): Promise<ControlsState> {
    const vantagesMissing: ControlsState['vantagesMissing'] = [];
    for (const t of this.transports.vantages.values()) {
      if (!t.vantage.control || !this.checks.has(t.vantage.id)) continue;
      const state = await this.vantageCheck(t).then((c) => c.state, () => 'offline' as const);
      if (state !== 'online') vantagesMissing.push({ id: t.vantage.id, state });
    }
    const resolver = this.resolverReplied ? 'reachable' : this.resolverSilent ? 'unreachable' : 'unused';
    return { resolver, vantagesMissing };
  }

  /** Control vantages other than `except` that are configured but not online this round, for the verdict's evidence. */
  private async missingControlVantages(except: Vantage): Promise<string[]> {
    const out: string[] = [];
    for (const t of this.transports.vantages.values()) {
      if (!t.vantage.control || t.vantage.id === except.id) continue;
      const state = (await this.vantageCheck(t)).state;
      if (state !== 'online') out.push(`control vantage ${t.vantage.id}: ${state}`);
    }
    return out;
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

  /** The same target probed from a control vantage in this round and trial (the control's own measurement). */
  async controlMeasurement(app: string, target: Target, from: Vantage, trial = 0): Promise<Measurement | null> {
    if (from.control) return null;
    const t = await this.controlVantage(from);
    return t ? this.measure(t, app, target, trial) : null;
  }

  /**
   * Every trial of one target from one vantage, `schedule.trialSpacing` apart, then the
   * confirmation re-probes it needs; each trial's observation goes to `onTrial` as it
   * concludes. Returns the round's observation: the last trial's, with the verdict the
   * trials combine to.
   */
  async conclude(
    app: App, target: Target, t: VantageTransport, online: boolean,
    opts: { onTrial?: (o: Observation) => void; onConcluded?: (o: Concluded) => void; confirm?: RoundOptions['confirm'] } = {},
  ): Promise<{ observation: Observation; confirmations: number }> {
    // An offline vantage's verdicts are unknown whatever it sees: one probe says so.
    const trials = online ? (this.config.schedule.trials ?? 1) : 1;
    const spacing = this.config.schedule.trialSpacingMs ?? DEFAULT_TRIAL_SPACING_MS;
    const verdicts: TargetVerdict[] = [];
    let last!: Observation;
    const trial = async (i: number): Promise<Observation> => {
      const o = await this.assess(app, target, t, online, i);
      opts.onTrial?.(o);
      verdicts.push(o.verdict);
      last = o;
      return o;
    };
    for (let i = 0; i < trials && !this.signal.aborted; i++) {
      // Half to one and a half spacings: which of a vantage and its control probes a trial first varies.
      if (i > 0) await sleep(spacing * (0.5 + Math.random()), this.signal);
      await trial(i);
    }
    let confirmations = 0;
    const c = opts.confirm;
    const first = (): Concluded => ({ app: app.id, vantage: t.vantage.id, target, verdict: combineTrials(verdicts) });
    if (online && c && c.attempts > 0 && verdicts.length > 0 && c.needed(first())) {
      for (let k = 0; k < c.attempts && !this.signal.aborted; k++) {
        await sleep(c.spacingMs, this.signal);
        if (this.signal.aborted) break;
        confirmations++;
        if (!BAD.has((await trial(trials + k)).verdict.status)) break;
      }
    }
    const observation = { ...last, verdict: combineTrials(verdicts) };
    if (verdicts.length > 1) opts.onConcluded?.({ app: app.id, vantage: t.vantage.id, target, verdict: observation.verdict });
    return { observation, confirmations };
  }

  /** Measures one trial of one target from one vantage and concludes its verdict. */
  async assess(app: App, target: Target, t: VantageTransport, online: boolean, trial = 0): Promise<Observation> {
    const measurement = await this.measure(t, app.id, target, trial);
    if (!online) {
      const verdict = classifyTarget({ measurement, vantageOnline: false, controlQueries: null, control: null, diagnosis: [], fingerprints: this.config.fingerprints });
      return { app: app.id, vantage: t.vantage.id, target, measurement, verdict, diagnosis: [] };
    }
    const hostname = targetHostname(target);
    const controlQueries = hostname ? await this.controlQueries(hostname) : null;
    const suspicious = measurement.failure !== null || measurement.transfer !== undefined || slowPhase(measurement) !== null;
    // A control vantage is believed uncensored: it is its own control, so a failure
    // there without an unambiguous signature reads as an outage, not as an anomaly.
    const control = !suspicious ? null : t.vantage.control ? measurement : await this.controlMeasurement(app.id, target, t.vantage, trial);
    const requests = planDiagnosis(measurement, controlQueries, { hellos: helloNames() });
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
        requests.filter((r) => r.step === 'throughput').map((r) => throughputStep(r, () => this.controlMeasurement(app.id, target, t.vantage, trial))),
      );
      diagnosis = requests.map((r) => (r.step === 'throughput' ? read.shift()! : probed.shift()!));
    }
    const controlsMissing = suspicious && !t.vantage.control ? await this.missingControlVantages(t.vantage) : [];
    const judge = () => classifyTarget({ measurement, vantageOnline: true, controlQueries, control, diagnosis, fingerprints: this.config.fingerprints, controlsMissing });
    let verdict = judge();
    const waitMs = this.config.limits.residualWaitMs ?? 0;
    if (verdict.diagnosis === 'inconclusive' && waitMs > 0) {
      // A residual block may have tainted the innocuous follow-ups: wait it out (holding no
      // probe slot), then ask them once more from fresh connections.
      // Those with an innocuous name go first: a follow-up that names the blocked one again
      // (another client's hello, the hello without ECH) would start a new hold before them.
      const again = requests
        .map((r, i) => ({ r, i }))
        .filter(({ r, i }) => RETRIED.has(r.step) && diagnosis[i]?.outcome === 'failure')
        .sort((a, b) => Number(!INNOCUOUS_NAME.has(a.r.step)) - Number(!INNOCUOUS_NAME.has(b.r.step)));
      if (again.length > 0) {
        await sleep(waitMs, this.signal);
        const controlT = t.vantage.control ? null : await this.controlVantage(t.vantage);
        const redone = await this.limit(() =>
          this.transports.executor.run({ kind: 'diagnose', vantage: t.vantage.id, control: controlT?.vantage.id ?? null, app: app.id, requests: again.map((a) => a.r), ordered: true }, this.signal),
        );
        diagnosis = [...diagnosis];
        again.forEach(({ i }, k) => (diagnosis[i] = { ...redone[k], detail: { ...redone[k].detail, afterResidualWaitMs: waitMs } }));
        verdict = judge();
      }
    }
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
  let confirmations = 0;
  // A bounded queue: as many runners as probes may run at once, each taking the next item.
  const runner = async (): Promise<void> => {
    while (next < total && !signal.aborted) {
      const i = next++;
      const { app, target } = work[Math.floor(i / selected.length)];
      const t = selected[i % selected.length];
      // Many targets start spread over a window rather than all at once.
      if (opts.spreadMs) await sleep(t0 + (opts.spreadMs * i) / total - performance.now(), signal);
      const online = await round.vantageOnline(t);
      // A round that is ending (SIGTERM) starts no target it had not yet begun: not one trial of it ran.
      if (signal.aborted) break;
      const concluded = await round.conclude(app, target, t, online, { onTrial: opts.onObservation, onConcluded: opts.onConcluded, confirm: opts.confirm });
      const o = concluded.observation;
      confirmations += concluded.confirmations;
      const key = `${app.id}\u0000${target.id}`;
      const left = (pending.get(key) ?? selected.length) - 1;
      if (left === 0) {
        pending.delete(key);
        round.release(app.id, target);
      } else pending.set(key, left);
      // Each trial went to onObservation as it concluded; the round keeps the combined verdict.
      if (opts.onObservation) observations.push({ app: o.app, vantage: o.vantage, target: o.target, verdict: o.verdict });
      else observations.push(o);
      opts.onProgress?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.schedule.concurrency, total) }, runner));
  const vantageStates = await Promise.all(states);
  const report = buildReport(config, apps, vantageStates, observations, startedAt);
  report.controls = await round.controlsState();
  return {
    report,
    observations,
    states: vantageStates,
    confirmations,
    peakInFlight: round.peakInFlight,
  };
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
