/**
 * One round: canaries per vantage (runner/canaries.ts), every selected target from every selected
 * vantage, controls (trusted resolver, control vantage) and diagnosis, then
 * verdicts. Data flows one way: engine → measurement → analysis → verdict.
 */
import { aggregateApp, classifyTarget, offlineReason, planDiagnosis } from '../analysis/index.js';
import { runDiagnosis } from '../diagnosis/run.js';
import { probe } from '../engines/registry.js';
import { withDeadline } from '../net/deadline.js';
import { repliesSettled } from '../net/resolvers/udp.js';
import type { ProbeContext } from '../engines/types.js';
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

export interface RoundOptions {
  /** App ids to probe; default all configured. */
  apps?: string[];
  /** Vantage ids to probe; default all. Control vantages are still probed on demand. */
  vantages?: string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Spread target starts over this many milliseconds (the daemon, with many targets). */
  spreadMs?: number;
}

export interface RoundResult {
  report: Report;
  observations: Observation[];
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

  /** A probe context under the given signal (a deadline from `withDeadline`). */
  context(t: VantageTransport, app: string, signal: AbortSignal): ProbeContext {
    return {
      app,
      vantage: t.vantage,
      resolver: t.resolver,
      connector: t.connector,
      datagrams: t.datagrams,
      // The engines add a target's own `ca` themselves.
      extraCA: this.config.tls.extraCA,
      signal,
      limits: this.config.limits,
    };
  }

  /** Probes one target under its own deadline, within the round's concurrency. */
  private run(t: VantageTransport, app: string, target: Target): Promise<Measurement> {
    return this.limit(() => withDeadline(this.config.schedule.timeoutMs, this.signal, (signal) => probe(target, this.context(t, app, signal))));
  }

  measure(t: VantageTransport, app: string, target: Target): Promise<Measurement> {
    const key = `${t.vantage.id}\u0000${app}\u0000${target.id}`;
    let p = this.measurements.get(key);
    if (!p) {
      p = this.run(t, app, target);
      this.measurements.set(key, p);
    }
    return p;
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
      const resolver = this.transports.control;
      const origin = performance.now();
      p = this.limit(() =>
        withDeadline(this.config.schedule.timeoutMs, this.signal, async (signal) => {
          const qs = await Promise.all([resolver.query(hostname, 'A', { signal, origin }), resolver.query(hostname, 'AAAA', { signal, origin })]);
          await Promise.all(qs.map(repliesSettled));
          return qs;
        }),
      );
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
      diagnosis = await this.limit(() =>
        withDeadline(this.config.schedule.timeoutMs, this.signal, (signal) =>
          runDiagnosis(requests, {
            vantage: this.context(t, app.id, signal),
            control: controlT ? this.context(controlT, app.id, signal) : null,
            controlResolver: this.transports.control,
            controlMeasurement: () => this.controlMeasurement(app.id, target, t.vantage),
          }),
        ),
      );
    }
    const verdict = classifyTarget({ measurement, vantageOnline: true, controlQueries, control, diagnosis, fingerprints: this.config.fingerprints });
    return { app: app.id, vantage: t.vantage.id, target, measurement, verdict, diagnosis };
  }
}

export async function runRound(config: Config, transports: Transports, opts: RoundOptions = {}): Promise<RoundResult> {
  const startedAt = new Date().toISOString();
  const signal = opts.signal ?? new AbortController().signal;
  const round = new Round(config, transports, signal);
  const apps = opts.apps ? config.apps.filter((a) => opts.apps!.includes(a.id)) : config.apps;
  const selected = [...transports.vantages.values()].filter((t) => !opts.vantages || opts.vantages.includes(t.vantage.id));

  const total = selected.length * apps.reduce((k, a) => k + a.targets.length, 0);
  let done = 0;
  let started = 0;
  const observations: Observation[] = [];
  const states: VantageState[] = [];

  await Promise.all(
    selected.map(async (t) => {
      const online = await round.vantageOnline(t);
      // The reason of an offline vantage is looked into while its targets are probed;
      // a failure there is rethrown below, not left unhandled meanwhile.
      const state = round.vantageState(t);
      state.catch(() => undefined);
      const work = apps.flatMap((app) => app.targets.map((target) => ({ app, target })));
      await Promise.all(
        work.map(async ({ app, target }) => {
          // Many targets start spread over a window rather than all at once.
          if (opts.spreadMs) await sleep((opts.spreadMs * started++) / total, signal);
          const o = await round.assess(app, target, t, online);
          observations.push(o);
          opts.onProgress?.(++done, total);
        }),
      );
      states.push(await state);
    }),
  );
  return { report: buildReport(config, apps, states, observations, startedAt), observations, states };
}

/** Aggregates observations into app verdicts and the report, in config order. */
export function buildReport(config: Config, apps: App[], states: VantageState[], observations: Observation[], startedAt: string): Report {
  const vantageOrder = new Map(config.vantages.map((v, i) => [v.id, i]));
  const sortedStates = [...states].sort((a, b) => vantageOrder.get(a.id)! - vantageOrder.get(b.id)!);
  const verdicts: AppVerdict[] = [];
  for (const app of apps) {
    for (const state of sortedStates) {
      const byTarget = new Map(observations.filter((o) => o.app === app.id && o.vantage === state.id).map((o) => [o.target.id, o.verdict]));
      const targetVerdicts = app.targets.map((t) => byTarget.get(t.id)).filter((v): v is TargetVerdict => v !== undefined);
      verdicts.push(aggregateApp(app, state.id, targetVerdicts, state.online));
    }
  }
  return { schema: 'blockwatch.report/v1', startedAt, finishedAt: new Date().toISOString(), vantages: sortedStates, apps: verdicts };
}
