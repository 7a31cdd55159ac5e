/**
 * One `vitest run`: a folder every test file of it shares (the process groups started, the
 * test PKI), named in BLOCKWATCH_TEST_RUN by vitest's global setup, which removes it after the
 * last file, killing first any process group a file left behind (even one whose worker was killed).
 */
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENV = 'BLOCKWATCH_TEST_RUN';

/** The run's folder, or null outside a run (a benchmark, a script). */
export function testRunDir(): string | null {
  return process.env[ENV] || null;
}

/** The start time of a process in clock ticks since boot (/proc/PID/stat field 22): tells a pid from its reuse. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Notes a process group leader started in this run, so that the run's end can kill what is left of its group. */
export function noteGroup(pid: number): void {
  const run = testRunDir();
  const t = startTime(pid);
  if (run && t) appendFileSync(join(run, 'groups'), `${pid} ${t}\n`);
}

/** Kills, with SIGKILL, every process left in a group noted in this run; a group whose id now belongs to a new leader is left alone. */
export function sweepGroups(run: string): number {
  let lines: string[];
  try {
    lines = readFileSync(join(run, 'groups'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return 0;
  }
  const noted = new Map(lines.map((l) => l.split(' ') as [string, string]));
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const pgrp = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
    const leaderStart = noted.get(pgrp);
    if (leaderStart === undefined) continue;
    // The leader's pid taken by a new process that leads a group of its own: not ours.
    const now = startTime(Number(pgrp));
    if (now !== null && now !== leaderStart) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile
    }
  }
  return killed;
}

/** vitest's global setup: makes the run's folder (and the temporary folder of the run under it); the returned teardown sweeps the groups and removes it. */
export function startTestRun(): { dir: string; end(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-test-run-'));
  process.env[ENV] = dir;
  // Every temporary folder a test makes (os.tmpdir(), in the workers and the processes they
  // start) goes under the run's folder, so the run's end removes what a failed or timed-out
  // test left. Others may pass through (a test runs the CLI as nobody), as in /tmp.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  chmodSync(dir, 0o755);
  chmodSync(tmp, 0o1777);
  process.env.TMPDIR = tmp;
  return {
    dir,
    end() {
      const killed = sweepGroups(dir);
      if (killed > 0) console.warn(`test run: killed ${killed} process(es) left running by test files`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
