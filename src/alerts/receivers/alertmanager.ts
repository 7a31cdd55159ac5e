/**
 * The Alertmanager receiver: POST {url}/api/v2/alerts with a JSON array of
 * {labels, annotations, startsAt, endsAt, generatorURL}. Like Prometheus, it
 * re-sends every firing alert each `resendMs` and gives a firing alert an
 * endsAt of four re-send intervals ahead, so Alertmanager resolves it by
 * itself if blockwatch dies; a resolved alert is sent once with its endsAt.
 */
import type { Alert, Notification } from '../types.js';
import type { DeliveryQueue } from '../delivery.js';
import type { AlertReceiver } from './types.js';
import { generatorURL } from './webhook.js';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export function alertsUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v2/alerts`;
}

export class AlertmanagerReceiver implements AlertReceiver {
  /** Firing alerts by fingerprint, with when each was last sent. */
  private readonly firing = new Map<string, { alert: Alert; sentAt: number }>();

  constructor(
    readonly name: string,
    readonly queue: DeliveryQueue,
    readonly externalURL: string,
    readonly resendMs: number,
  ) {}

  /** Alerts already firing when this receiver was added (a reload), so its re-sends include them. */
  seed(alerts: Alert[]): void {
    for (const alert of alerts) this.firing.set(alert.fingerprint, { alert, sentAt: 0 });
  }

  notify(notes: Notification[], now: Date): void {
    const batch: PostableAlert[] = [];
    for (const n of notes) {
      if (n.kind === 'resolved') this.firing.delete(n.alert.fingerprint);
      else this.firing.set(n.alert.fingerprint, { alert: n.alert, sentAt: now.getTime() });
      batch.push(this.postable(n.alert, now));
    }
    if (batch.length) this.queue.enqueue(JSON.stringify(batch));
  }

  tick(now: Date): void {
    const due = [...this.firing.values()].filter((f) => now.getTime() - f.sentAt >= this.resendMs);
    if (due.length === 0) return;
    for (const f of due) f.sentAt = now.getTime();
    this.queue.enqueue(JSON.stringify(due.map((f) => this.postable(f.alert, now))));
  }

  private postable(a: Alert, now: Date): PostableAlert {
    const endsAt = a.endsAt ?? new Date(now.getTime() + 4 * this.resendMs);
    return {
      labels: { ...a.labels },
      annotations: { ...a.annotations },
      startsAt: a.startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      generatorURL: generatorURL(this.externalURL),
    };
  }
}
