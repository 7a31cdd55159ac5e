/**
 * The generic webhook receiver: one POST per notification, in Alertmanager's
 * webhook payload, version "4" (prometheus.io/docs/alerting/latest/configuration/#webhook_config),
 * so anything that consumes Alertmanager webhooks consumes blockwatch's.
 */
import type { Alert, Notification } from '../types.js';
import type { DeliveryQueue } from '../delivery.js';
import type { AlertReceiver } from './types.js';

/** Alertmanager writes Go's zero time for an alert that has not ended. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** Alerts are grouped the way a default Alertmanager route for blockwatch would: per name, vantage and app. */
const GROUP_BY = ['alertname', 'vantage', 'app'];

export function webhookPayload(receiver: string, n: Notification, externalURL: string): WebhookPayload {
  const a = n.alert;
  const status = n.kind === 'resolved' ? 'resolved' : 'firing';
  const groupLabels: Record<string, string> = {};
  for (const k of GROUP_BY) if (a.labels[k] !== undefined) groupLabels[k] = a.labels[k];
  const groupKey = `{}:{${Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`)
    .join(', ')}}`;
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver,
    groupLabels,
    commonLabels: { ...a.labels },
    commonAnnotations: { ...a.annotations },
    externalURL,
    alerts: [webhookAlert(a, status, externalURL)],
  };
}

function webhookAlert(a: Alert, status: 'firing' | 'resolved', externalURL: string): WebhookAlert {
  return {
    status,
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    startsAt: a.startsAt.toISOString(),
    endsAt: status === 'resolved' && a.endsAt ? a.endsAt.toISOString() : ZERO_TIME,
    generatorURL: generatorURL(externalURL),
    fingerprint: a.fingerprint,
  };
}

/** Where a person can see what fired: the status report of the daemon that raised it. */
export function generatorURL(externalURL: string): string {
  return externalURL ? `${externalURL.replace(/\/+$/, '')}/api/v1/status` : '';
}

export class WebhookReceiver implements AlertReceiver {
  constructor(
    readonly name: string,
    readonly queue: DeliveryQueue,
    readonly externalURL: string,
  ) {}

  notify(notes: Notification[]): void {
    for (const n of notes) this.queue.enqueue(JSON.stringify(webhookPayload(this.name, n, this.externalURL)));
  }

  tick(): void {
    // Repeats come from the state machine; a webhook needs no re-sends of its own.
  }
}
