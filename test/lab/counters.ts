/** Packet counters of the lab's iptables rules: what a rule saw, for the wire tests. */
import { must } from './sh.js';

/** Packet counter of the one rule of `chain` whose `iptables -L -v -x -n` line satisfies `match`. */
export async function counter(ns: string, table: string, chain: string, match: (line: string) => boolean): Promise<number> {
  const out = await must('ip', ['netns', 'exec', ns, 'iptables', '-w', '-t', table, '-L', chain, '-v', '-x', '-n']);
  const rows = out.split('\n').slice(2).filter((l) => l.trim() && match(l));
  if (rows.length !== 1) throw new Error(`expected one ${table}/${chain} rule to match, found ${rows.length}:\n${out}`);
  return Number(rows[0].trim().split(/\s+/)[0]);
}
