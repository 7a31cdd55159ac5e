/**
 * The native alert state machine, per (vantage, app) and per vantage. Pure: it
 * is fed each round's (already confirmed) verdicts and the time, and returns
 * what to notify; it does no I/O and reads no clock.
 *
 * - blocked → BlockwatchAppBlocked; down → BlockwatchAppDown. At a control
 *   vantage, blocked is raised as BlockwatchAppDown: a path believed
 *   uncensored cannot reach the app, which is not censorship evidence.
 * - reachable/degraded rounds are good; the alert resolves after
 *   `resolveAfter` good rounds in a row.
 * - anomaly neither fires nor counts as good, and breaks a run of good rounds
 *   (it looks like blocking); unknown carries no information and leaves the
 *   run as it was.
 * - a change of alert name or main pattern resolves the old alert and fires
 *   the new one (the label set is the alert's identity in Alertmanager); a
 *   change of description only updates the annotations.
 * - an offline vantage raises one BlockwatchVantageOffline (its reason a label);
 *   while offline its app alerts neither fire, resolve nor repeat. A walled
 *   vantage raises BlockwatchVantageWalled and its app alerts go on as usual.
 *   A vantage alert resolves after `resolveAfter` online rounds in a row; a
 *   change of state or reason resolves it and fires the new one at once.
 * - every firing alert is re-notified each `repeatMs` (tick()).
 */
import type { AppVerdict, VantageState } from '../model/index.js';
import { appAnnotations, appLabels, fingerprint, vantageAlertName, vantageAnnotations, vantageLabels } from './describe.js';
import type { Alert, AlertName, Notification } from './types.js';

export interface StateOptions {
  resolveAfter: number;
  repeatMs: number;
}

interface Entry {
  alert: Alert | null;
  /** Good rounds in a row while the alert fires. */
  good: number;
  lastNotified: number;
}

const SEP = '\u0000';

export class AlertState {
  private opts: StateOptions;
  private readonly apps = new Map<string, Entry>();
  private readonly vantages = new Map<string, Entry & { online: boolean }>();

  constructor(opts: StateOptions) {
    this.opts = opts;
  }

  reconfigure(opts: StateOptions): void {
    this.opts = opts;
  }

  /** One round of a vantage: its state and its apps' verdicts. */
  observe(vantage: VantageState, verdicts: AppVerdict[], now: Date): Notification[] {
    const out: Notification[] = [];
    const ve = this.vantages.get(vantage.id) ?? { alert: null, good: 0, lastNotified: 0, online: true };
    this.vantages.set(vantage.id, ve);
    ve.online = vantage.online;
    const name = vantageAlertName(vantage);
    if (name) {
      ve.good = 0;
      const labels = vantageLabels(name, vantage);
      const annotations = vantageAnnotations(name, vantage);
      if (ve.alert && sameLabels(ve.alert.labels, labels)) {
        ve.alert.annotations = annotations;
      } else {
        // Walled after offline, or another reason for being offline: a new event, as a new pattern is for an app.
        if (ve.alert) out.push(resolve(ve.alert, now));
        ve.alert = makeAlert(labels, annotations, now);
        ve.lastNotified = now.getTime();
        out.push({ kind: 'firing', alert: ve.alert });
      }
    } else if (ve.alert && ++ve.good >= this.resolveAfter()) {
      out.push(resolve(ve.alert, now));
      ve.alert = null;
      ve.good = 0;
    }
    // Nothing an offline vantage says about apps is news; a walled one's apps are judged as usual.
    if (!vantage.online) return out;
    for (const v of verdicts) {
      if (v.vantage !== vantage.id) continue;
      out.push(...this.observeApp(vantage, v, now));
    }
    return out;
  }

  private observeApp(vantage: VantageState, v: AppVerdict, now: Date): Notification[] {
    const k = v.vantage + SEP + v.app;
    const e = this.apps.get(k) ?? { alert: null, good: 0, lastNotified: 0 };
    this.apps.set(k, e);
    const name = alertFor(v.status, vantage.control);
    const out: Notification[] = [];
    if (name) {
      e.good = 0;
      const labels = appLabels(name, v);
      const annotations = appAnnotations(name, v, vantage);
      if (e.alert && sameLabels(e.alert.labels, labels)) {
        e.alert.annotations = annotations;
        return out;
      }
      if (e.alert) out.push(resolve(e.alert, now));
      e.alert = makeAlert(labels, annotations, now);
      e.lastNotified = now.getTime();
      out.push({ kind: 'firing', alert: e.alert });
      return out;
    }
    if (v.status === 'reachable' || v.status === 'degraded') {
      if (e.alert && ++e.good >= this.resolveAfter()) {
        out.push(resolve(e.alert, now));
        e.alert = null;
        e.good = 0;
      }
    } else if (v.status === 'anomaly') {
      e.good = 0;
    }
    if (!e.alert) this.apps.delete(k);
    return out;
  }

  /** Re-notifies alerts that have fired for `repeatMs` since their last notification. */
  tick(now: Date): Notification[] {
    const out: Notification[] = [];
    const t = now.getTime();
    for (const [k, e] of this.apps) {
      const vantage = k.slice(0, k.indexOf(SEP));
      if (this.vantages.get(vantage)?.online === false) continue;
      if (e.alert && t - e.lastNotified >= this.opts.repeatMs) {
        e.lastNotified = t;
        out.push({ kind: 'repeat', alert: e.alert });
      }
    }
    for (const e of this.vantages.values()) {
      if (e.alert && t - e.lastNotified >= this.opts.repeatMs) {
        e.lastNotified = t;
        out.push({ kind: 'repeat', alert: e.alert });
      }
    }
    return out;
  }

  /**
   * After a reload: resolves the alerts of vantages and apps no longer
   * configured (nobody will observe them again) and forgets them.
   */
  retain(vantages: ReadonlySet<string>, apps: ReadonlySet<string>, now: Date): Notification[] {
    const out: Notification[] = [];
    for (const [k, e] of this.apps) {
      const [vantage, app] = k.split(SEP);
      if (vantages.has(vantage) && apps.has(app)) continue;
      if (e.alert) out.push(resolve(e.alert, now));
      this.apps.delete(k);
    }
    for (const [id, e] of this.vantages) {
      if (vantages.has(id)) continue;
      if (e.alert) out.push(resolve(e.alert, now));
      this.vantages.delete(id);
    }
    return out;
  }

  /** Every alert firing now. */
  firing(): Alert[] {
    const out: Alert[] = [];
    for (const e of this.vantages.values()) if (e.alert) out.push(e.alert);
    for (const e of this.apps.values()) if (e.alert) out.push(e.alert);
    return out;
  }

  private resolveAfter(): number {
    return Math.max(1, this.opts.resolveAfter);
  }
}

function alertFor(status: AppVerdict['status'], control: boolean): AlertName | null {
  if (status === 'blocked') return control ? 'BlockwatchAppDown' : 'BlockwatchAppBlocked';
  if (status === 'down') return 'BlockwatchAppDown';
  return null;
}

function makeAlert(labels: Record<string, string>, annotations: Record<string, string>, now: Date): Alert {
  return { labels, annotations, startsAt: now, endsAt: null, fingerprint: fingerprint(labels) };
}

function resolve(alert: Alert, now: Date): Notification {
  alert.endsAt = now;
  return { kind: 'resolved', alert };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
