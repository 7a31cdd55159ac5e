/** What a reload may not do to a running daemon, whatever the new file says. */
import type { Config } from '../model/index.js';

/**
 * Why the daemon must keep `previous` instead of taking `next`; empty when it may take it.
 * A file emptied or cut short while the daemon runs loads as a config with no canaries, and
 * without canaries an offline host reads as every app down: dropping every canary takes an
 * explicit `canaries: []` with `canariesReason:`.
 */
export function reloadRefusals(previous: Config, next: Config): string[] {
  const out: string[] = [];
  if (previous.canaries.length > 0 && next.canaries.length === 0 && next.canariesReason === undefined) {
    out.push(
      `${next.file}: the new configuration drops every canary (the running one has ${previous.canaries.length}): without canaries an offline vantage reads as every app down; ` +
        'put the canaries back, or write canaries: [] with canariesReason: "why" to run without them',
    );
  }
  return out;
}
