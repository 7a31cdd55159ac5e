/** Native alerts as they leave the state machine: labels, annotations, times, and what changed. */

export const ALERT_NAMES = [
  'BlockwatchAppBlocked',
  'BlockwatchAppDown',
  'BlockwatchVantageOffline',
  'BlockwatchVantageWalled',
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

export interface Alert {
  /** alertname, vantage, app (app alerts), status, pattern (when blocked), reason (offline vantage), severity. */
  labels: Record<string, string>;
  /** summary, description. */
  annotations: Record<string, string>;
  startsAt: Date;
  /** Set when the alert resolves. */
  endsAt: Date | null;
  /** Stable id of the label set (hex), as Alertmanager's webhook payload carries. */
  fingerprint: string;
}

/**
 * `firing`: a new alert (or a changed label set); `repeat`: still firing, re-notify;
 * `resolved`: the alert ended, endsAt set.
 */
export interface Notification {
  kind: 'firing' | 'repeat' | 'resolved';
  alert: Alert;
}

/** Why a payload was given up: the queue was full (the oldest went), or the receiver rejected it every time. */
export const DROP_REASONS = ['queue_full', 'rejected'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Where delivery attempts and dropped payloads are counted (Metrics satisfies it). */
export interface DeliveryCounter {
  alertSent(receiver: string, result: 'success' | 'failure'): unknown;
  alertDropped(receiver: string, reason: DropReason): unknown;
}
