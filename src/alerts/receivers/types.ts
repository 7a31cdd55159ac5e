/** What every native alert receiver offers the Alerter. */
import type { Notification } from '../types.js';
import type { DeliveryQueue } from '../delivery.js';

export interface AlertReceiver {
  readonly name: string;
  readonly queue: DeliveryQueue;
  /** Settings baked into its payloads: a reload that changes them makes a new receiver. */
  readonly externalURL: string;
  readonly resendMs?: number;
  /** Turns notifications into payloads on the receiver's queue; returns at once. */
  notify(notes: Notification[], now: Date): void;
  /** Periodic work (re-sends); returns at once. */
  tick(now: Date): void;
}
