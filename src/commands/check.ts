/** `blockwatch check`: one round over the selection, printed as a table or as JSON. */
import { loadConfig } from '../config/load.js';
import { renderTable } from '../report/table.js';
import { runRound } from '../runner/round.js';
import { closeTransports, makeTransports } from '../runner/transports.js';
import { needsConfirmation } from '../schedule/confirm.js';
import { UsageError } from './usage.js';

export interface CheckOptions {
  config: string;
  apps: string[];
  vantages: string[];
  format: 'table' | 'json';
}

export async function check(opts: CheckOptions, out: NodeJS.WriteStream | NodeJS.WritableStream, err: NodeJS.WriteStream | NodeJS.WritableStream): Promise<number> {
  const config = loadConfig(opts.config);
  const unknownApp = opts.apps.find((a) => !config.apps.some((x) => x.id === a));
  if (unknownApp) throw new UsageError(`--app ${unknownApp}: no such app in ${config.file}; known: ${config.apps.map((a) => a.id).join(', ')}`);
  const unknownVantage = opts.vantages.find((v) => !config.vantages.some((x) => x.id === v));
  if (unknownVantage) throw new UsageError(`--vantage ${unknownVantage}: no such vantage in ${config.file}; known: ${config.vantages.map((v) => v.id).join(', ')}`);

  const tty = 'isTTY' in err && err.isTTY === true;
  const ac = new AbortController();
  const stop = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  try {
    const transports = makeTransports(config);
    const { report } = await runRound(config, transports, {
      apps: opts.apps.length ? opts.apps : undefined,
      vantages: opts.vantages.length ? opts.vantages : undefined,
      signal: ac.signal,
      // As the daemon's first round: a target bad on its first trial is probed again
      // (alerts.confirm), so one lost packet is never a block.
      confirm: { ...config.alerts.confirm, needed: (o) => needsConfirmation(o, undefined) },
      onProgress: tty ? (done, total) => err.write(`\r\x1b[2Kprobing ${done}/${total}`) : undefined,
      // The report needs verdicts only: measurements go as soon as each is concluded.
      onObservation: () => {},
    }).finally(() => closeTransports(transports)); // the probe workers end with the round, also when it throws
    if (tty) err.write('\r\x1b[2K');
    const colour = 'isTTY' in out && out.isTTY === true && !process.env.NO_COLOR;
    out.write(opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderTable(report, colour));
    return report.apps.every((a) => a.status === 'reachable') ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
  }
}
