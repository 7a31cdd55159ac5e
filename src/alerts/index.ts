/**
 * Native alerts: the state machine, the receivers and their delivery queues.
 *
 * API:
 *   const alerter = new Alerter({ alerts: config.alerts, counter: metrics, logger });
 *   alerter.observeRound(vantageState, appVerdicts, now?)  // after each round of a vantage
 *                                                          // (verdicts already confirmed); returns the notifications
 *   alerter.tick(now?)            // repeats and Alertmanager re-sends; start() calls it on a timer
 *   alerter.start(everyMs?) / alerter.reconfigure(config.alerts)
 *   alerter.retain(vantageIds, appIds, now?) // after a reload: resolves alerts of what is no longer configured
 *   alerter.firing()              // alerts firing now
 *   await alerter.drain(ms)       // shutdown: deliver what is queued, for at most ms
 *   alerter.stop()
 * Nothing here waits on a receiver: every call returns at once.
 */
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import type { AlertsConfig, AppVerdict, Receiver, VantageState } from '../model/index.js';
import { DEFAULT_DELIVERY, DeliveryQueue, type DeliveryOptions } from './delivery.js';
import { AlertmanagerReceiver, alertsUrl } from './receivers/alertmanager.js';
import { postJson, redact, undici } from './receivers/post.js';
import type { AlertReceiver } from './receivers/types.js';
import { WebhookReceiver } from './receivers/webhook.js';
import { AlertState } from './state.js';
import type { Alert, DeliveryCounter, Notification } from './types.js';

export type { Alert, AlertName, Notification, DeliveryCounter, DropReason } from './types.js';
export { ALERT_NAMES, DROP_REASONS } from './types.js';
export { AlertState } from './state.js';
export { DeliveryQueue, DEFAULT_DELIVERY, backoff, rejectedPayload, type DeliveryOptions } from './delivery.js';
export { webhookPayload, type WebhookPayload } from './receivers/webhook.js';

export interface AlerterOptions {
  alerts: AlertsConfig;
  counter: DeliveryCounter;
  logger: Logger;
  delivery?: Partial<DeliveryOptions>;
}

export class Alerter {
  private alerts: AlertsConfig;
  private readonly state: AlertState;
  private receivers = new Map<string, { spec: Receiver; rx: AlertReceiver }>();
  private readonly delivery: DeliveryOptions;
  /** The receivers' connection pool, made (with undici) by the first delivery. */
  private agent: Promise<Agent> | null = null;
  private readonly dispatcher = (): Promise<Agent> =>
    (this.agent ??= undici().then(({ Agent }) => new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 30_000 })));
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: AlerterOptions) {
    this.alerts = opts.alerts;
    this.delivery = { ...DEFAULT_DELIVERY, ...opts.delivery };
    this.state = new AlertState({ resolveAfter: opts.alerts.resolveAfter, repeatMs: opts.alerts.repeatMs });
    this.reconfigure(opts.alerts);
  }

  observeRound(vantage: VantageState, verdicts: AppVerdict[], now = new Date()): Notification[] {
    const notes = this.state.observe(vantage, verdicts, now);
    this.dispatch(notes, now);
    return notes;
  }

  tick(now = new Date()): Notification[] {
    const notes = this.state.tick(now);
    this.dispatch(notes, now);
    for (const { rx } of this.receivers.values()) rx.tick(now);
    return notes;
  }

  retain(vantages: Iterable<string>, apps: Iterable<string>, now = new Date()): Notification[] {
    const notes = this.state.retain(new Set(vantages), new Set(apps), now);
    this.dispatch(notes, now);
    return notes;
  }

  /** Calls tick() on a timer that never keeps the process alive. */
  start(everyMs = 5000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), everyMs);
    this.timer.unref();
  }

  firing(): Alert[] {
    return this.state.firing();
  }

  /** Keeps the queues of receivers whose settings did not change; firing alerts carry over. */
  reconfigure(alerts: AlertsConfig): void {
    this.alerts = alerts;
    this.state.reconfigure({ resolveAfter: alerts.resolveAfter, repeatMs: alerts.repeatMs });
    const next = new Map<string, { spec: Receiver; rx: AlertReceiver }>();
    for (const spec of alerts.receivers) {
      const old = this.receivers.get(spec.name);
      if (old && sameReceiver(old.spec, spec) && this.unchangedGlobals(old.rx)) {
        next.set(spec.name, old);
        continue;
      }
      old?.rx.queue.stop();
      next.set(spec.name, { spec, rx: this.makeReceiver(spec) });
    }
    for (const [name, old] of this.receivers) if (!next.has(name)) old.rx.queue.stop();
    this.receivers = next;
  }

  async drain(timeoutMs: number): Promise<void> {
    this.stopTimer();
    const left = await Promise.all([...this.receivers.values()].map(({ rx }) => rx.queue.drain(timeoutMs)));
    const lost = left.reduce((a, b) => a + b, 0);
    if (lost > 0) this.opts.logger.warn({ payloads: lost }, 'alert payloads left undelivered at shutdown');
    await this.agent?.then((a) => a.close()).catch(() => undefined);
  }

  stop(): void {
    this.stopTimer();
    for (const { rx } of this.receivers.values()) rx.queue.stop();
    void this.agent?.then((a) => a.destroy()).catch(() => undefined);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private dispatch(notes: Notification[], now: Date): void {
    if (notes.length === 0) return;
    for (const n of notes) {
      this.opts.logger.info({ alert: n.alert.labels, kind: n.kind }, `alert ${n.kind}: ${n.alert.annotations.summary ?? ''}`);
    }
    for (const { rx } of this.receivers.values()) rx.notify(notes, now);
  }

  private makeReceiver(spec: Receiver): AlertReceiver {
    const url = spec.type === 'alertmanager' ? alertsUrl(spec.url) : spec.url;
    const log = this.opts.logger.child({ receiver: spec.name, url: redact(url) });
    const send = (body: string, signal: AbortSignal) =>
      postJson({ url, body, headers: spec.headers, timeoutMs: spec.timeoutMs, signal, dispatcher: this.dispatcher });
    const queue = new DeliveryQueue(spec.name, send, this.opts.counter, log, this.delivery);
    if (spec.type === 'webhook') return new WebhookReceiver(spec.name, queue, this.alerts.externalUrl);
    const rx = new AlertmanagerReceiver(spec.name, queue, this.alerts.externalUrl, this.alerts.resendMs);
    rx.seed(this.state.firing());
    return rx;
  }

  private unchangedGlobals(rx: AlertReceiver): boolean {
    return rx.externalURL === this.alerts.externalUrl && (rx.resendMs === undefined || rx.resendMs === this.alerts.resendMs);
  }
}

function sameReceiver(a: Receiver, b: Receiver): boolean {
  return a.type === b.type && a.url === b.url && a.timeoutMs === b.timeoutMs && JSON.stringify(a.headers) === JSON.stringify(b.headers);
}
