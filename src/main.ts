/**
 * The composition root of `blockwatch run`: config, transports, scheduler,
 * metrics, alerts, evidence and the HTTP server; SIGHUP reloads, SIGTERM drains.
 */
import type { Logger } from 'pino';
import { Alerter } from './alerts/index.js';
import { ConfigError, formatIssue, type ConfigIssue } from './config/issues.js';
import { loadConfig, readConfig } from './config/load.js';
import { reloadRefusals } from './config/reload.js';
import { EvidenceWriter } from './evidence/index.js';
import { evidenceDirProblem } from './evidence/folder.js';
import { makeLogger } from './logger.js';
import { Metrics } from './metrics/index.js';
import { DEFAULT_PAGE, type Config, type Report } from './model/index.js';
import type { Concluded, Observation, RoundResult } from './runner/round.js';
import { makeTransports } from './runner/transports.js';
import { Scheduler } from './schedule/scheduler.js';
import { startServer } from './server/index.js';
import { History } from './server/page/history.js';
import { VERSION } from './version.js';

/** How long SIGTERM lets probes in flight finish before aborting them. */
const DRAIN_MS = 3000;
/** SIGTERM ends the process within this long, whatever still holds it (a disk that does not answer): README, "Signals". */
const STOP_MS = 10_000;

/** Null when the evidence folder of `config` takes files (made if need be); else the issue that says why not. */
function evidenceIssue(config: Config): ConfigIssue | null {
  const problem = config.evidence ? evidenceDirProblem(config.evidence.dir, { create: true }) : null;
  return problem ? { file: config.file, path: 'evidence.dir', message: problem } : null;
}

export async function runDaemon(configPath: string, logger: Logger = makeLogger()): Promise<number> {
  let config = loadConfig(configPath);
  // Evidence that cannot be written must stop the start, not be lost in silence for months.
  const unwritable = evidenceIssue(config);
  if (unwritable) throw new ConfigError([unwritable]);
  const metrics = new Metrics({ version: VERSION });
  metrics.configure(config);
  const alerter = new Alerter({ alerts: config.alerts, counter: metrics, logger: logger.child({ component: 'alerts' }) });
  alerter.start();
  const evidenceLog = logger.child({ component: 'evidence' });
  const evidenceWriter = (c: Config): EvidenceWriter | null =>
    c.evidence ? new EvidenceWriter({ ...c.evidence, logger: evidenceLog, onWriteError: () => metrics.evidenceWriteError() }) : null;
  let evidence = evidenceWriter(config);
  let latest: Report | null = null;
  const history = new History((config.server.page ?? DEFAULT_PAGE).history);

  /** Every probe as it concludes (confirmation re-probes too): its metrics, its evidence line, its log line. Then the measurement goes. */
  const onObservation = (o: Observation, round: string): void => {
    metrics.recordProbe(o.vantage, o.app, o.target.kind, o.verdict.status, o.measurement.timings);
    evidence?.write({ vantage: o.vantage, app: o.app, target: o.target.id, measurement: o.measurement, verdict: o.verdict, round });
    if (o.verdict.status !== 'ok') {
      // Unknown (an offline vantage, a probe that could not run) is said once per round, not per target.
      const level = o.verdict.status === 'unknown' ? 'debug' : 'info';
      logger.child({ vantage: o.vantage, app: o.app, target: o.target.id })[level](
        { status: o.verdict.status, pattern: o.verdict.pattern, failure: o.verdict.failure, operation: o.verdict.operation },
        'target not ok',
      );
    }
  };

  /** A target probed several times this round: the verdict over its trials, after each trial's line. */
  const onConcluded = (o: Concluded, round: string): void => {
    evidence?.write({ vantage: o.vantage, app: o.app, target: o.target.id, measurement: null, verdict: o.verdict, round });
  };

  const onRound = (result: RoundResult, confirmations: number): void => {
    const finishedAt = new Date(result.report.finishedAt);
    for (const v of result.report.apps) metrics.recordApp(v, finishedAt);
    metrics.roundPeak(result.peakInFlight);
    metrics.recordControls(result.report.controls);
    for (const state of result.report.vantages) {
      metrics.recordVantage(state);
      metrics.roundDone(state.id, finishedAt);
      alerter.observeRound(state, result.report.apps.filter((a) => a.vantage === state.id), finishedAt);
    }
    latest = result.report;
    history.record(result.report);
    const counts: Record<string, number> = {};
    for (const a of result.report.apps) counts[a.status] = (counts[a.status] ?? 0) + 1;
    logger.info({ apps: counts, probes: result.observations.length, confirmations, inFlightPeak: result.peakInFlight, walled: result.report.vantages.filter((v) => v.state === 'walled').map((v) => v.id), offline: result.report.vantages.filter((v) => !v.online).map((v) => `${v.id} (${v.reason ?? 'unknown'})`) }, 'round done');
  };

  // A probe worker that dies is restarted after a wait that grows while they keep dying: said once each time.
  const transportsOf = (c: Config) =>
    makeTransports(c, {
      onWorkerExit: ({ error, failedOnStart, restartInMs }) =>
        logger.error({ err: error, restartInMs }, failedOnStart ? 'probe worker failed to start; restarting it later' : 'probe worker died; restarting it'),
    });
  const scheduler = new Scheduler(config, transportsOf(config), {
    onObservation,
    onConcluded,
    onRound,
    onSkipped: () => {
      metrics.roundSkipped();
      logger.warn('round skipped: the previous one is still running');
    },
    onError: (err) => logger.error({ err }, 'round failed'),
  });

  let reloading: Promise<{ ok: boolean; errors: string[] }> | null = null;
  const reload = (): Promise<{ ok: boolean; errors: string[] }> => {
    reloading ??= Promise.resolve()
      .then(() => applyReload())
      .finally(() => {
        reloading = null;
      });
    return reloading;
  };
  const applyReload = async (): Promise<{ ok: boolean; errors: string[] }> => {
    const { config: next, issues } = readConfig(configPath);
    const unwritableNext = next ? evidenceIssue(next) : null;
    const errors = next ? [...reloadRefusals(config, next), ...(unwritableNext ? [formatIssue(unwritableNext)] : [])] : issues.map(formatIssue);
    if (!next || errors.length > 0) {
      metrics.configReload(false);
      logger.error({ errors }, 'reload failed; the previous configuration keeps running');
      return { ok: false, errors };
    }
    if (next.server.host !== config.server.host || next.server.port !== config.server.port) {
      logger.warn('server settings changed: they take effect at the next restart');
    }
    const previous = config;
    config = next;
    metrics.configure(next);
    metrics.configReload(true);
    alerter.reconfigure(next.alerts);
    alerter.retain(next.vantages.map((v) => v.id), next.apps.map((a) => a.id));
    server.update(next.server);
    history.resize((next.server.page ?? DEFAULT_PAGE).history);
    history.retain({ vantages: next.vantages.map((v) => v.id), apps: next.apps });
    scheduler.reconfigure(next, transportsOf(next));
    if (JSON.stringify(previous.evidence) !== JSON.stringify(next.evidence)) {
      const old = evidence;
      evidence = evidenceWriter(next);
      await old?.close();
    }
    logger.info({ apps: next.apps.length, vantages: next.vantages.length }, 'configuration reloaded');
    return { ok: true, errors: [] };
  };

  const server = await startServer({
    config: config.server,
    metrics,
    status: () => latest,
    ready: () => latest !== null,
    reload: config.server.enableReload ? reload : undefined,
    page: { history, nextRound: () => scheduler.nextRound(), config: () => ({ apps: config.apps, jitterMs: config.schedule.jitterMs }) },
    logger: logger.child({ component: 'server' }),
  }).catch((err: NodeJS.ErrnoException) => {
    // A port in use or not allowed is the config's to fix: say which field.
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      throw new ConfigError([{ file: config.file, path: 'server.listen', message: `cannot listen on ${config.server.host}:${config.server.port}: ${err.code}` }]);
    }
    throw err;
  });
  logger.info({ address: server.address, version: VERSION, apps: config.apps.length, vantages: config.vantages.length }, 'blockwatch running');
  if (config.canaries.length === 0) logger.warn({ reason: config.canariesReason ?? null }, 'no canaries: an offline vantage reads as every app down');
  scheduler.start();

  return new Promise<number>((resolve) => {
    const onHup = () => void reload();
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Whatever still holds the process then, it ends: a clean stop never takes this long.
      setTimeout(() => {
        logger.error({ waitedMs: STOP_MS }, 'shutdown took too long: exiting without a clean stop');
        logger.flush?.();
        process.exit(1);
      }, STOP_MS).unref();
      process.off('SIGHUP', onHup);
      await scheduler.stop(DRAIN_MS);
      await evidence?.close();
      await alerter.drain(DRAIN_MS);
      alerter.stop();
      await server.close();
      logger.info('stopped');
      resolve(0);
    };
    process.on('SIGHUP', onHup);
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}

