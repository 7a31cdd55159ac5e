/** What a page is rendered from: the latest report, the history, the configured apps and the round times. */
import type { Report } from '../../model/index.js';
import type { History } from './history.js';
import type { Rounds } from './layout.js';

export interface PageContext {
  report: Report | null;
  history: History | null;
  /** Apps with a page, in config order (ids and display names). */
  apps: Array<{ id: string; name: string }>;
  rounds: Rounds;
  refreshMs: number;
  /** Render time, milliseconds since the epoch. */
  now: number;
}
