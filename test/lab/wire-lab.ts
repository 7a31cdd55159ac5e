/**
 * One lab for a wire test file: brought up before its tests, reverted and torn down after them
 * (a failed test leaves nothing behind), with the wire probe (wire-probe.ts) run from the
 * censored vantage (client) or from the control's path (abroad, which never crosses the censor).
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Lab, repoRoot } from './lab.js';
import type { Scenario } from './scenario-types.js';
import { nsRun } from './sh.js';

export type Where = 'client' | 'abroad';
export type Out = Record<string, unknown>;

const WIRE = () => join(repoRoot(), 'dist', 'test', 'lab', 'wire-probe.js');

export interface WireLab {
  /** The lab, once beforeAll has brought it up. */
  lab: Lab;
  /** The lab CA's file, for the probes that validate. */
  ca: string;
  /** Runs one wire-probe operation in a namespace and returns the JSON line it printed. */
  from(where: Where, ...args: string[]): Promise<Out>;
}

/** Registers the hooks of a describe block whose tests share one lab with these scenarios' hosts and peers. */
export function useWireLab(scenarios: Scenario[]): WireLab {
  const w: WireLab = {
    lab: undefined as unknown as Lab,
    ca: '',
    async from(where, ...args) {
      const r = await nsRun(w.lab.ns[where], process.execPath, [WIRE(), ...args]);
      if (r.code !== 0) throw new Error(`wire-probe ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as Out;
    },
  };
  beforeAll(async () => {
    w.lab = await Lab.up({ scenarios });
    w.ca = w.lab.caFile;
  }, 90_000);
  afterAll(async () => {
    if (!w.lab) return;
    await w.lab.revert().catch(() => {});
    await w.lab.down().catch(() => {});
  });
  return w;
}
