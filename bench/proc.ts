/** What the kernel says a process used: CPU seconds (utime+stime) and peak/current RSS, from /proc. */
import { readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux: clock ticks per second in /proc/<pid>/stat (proc(5)).

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // proc(5): utime is field 14, stime 15; after the name, field 3 is index 0.
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function statusKb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Peak resident set (VmHWM) in bytes. */
export function peakRss(pid: number): number {
  return statusKb(pid, 'VmHWM') * 1024;
}

/**
 * The resident set by kind, in bytes: anonymous (heaps, OpenSSL's and V8's memory) and
 * file-backed (the pages of the node binary and its libraries the process has touched).
 */
export function rssParts(pid: number): { anonBytes: number; fileBytes: number } {
  return { anonBytes: statusKb(pid, 'RssAnon') * 1024, fileBytes: statusKb(pid, 'RssFile') * 1024 };
}

/** Current resident set (VmRSS) in bytes. */
export function rss(pid: number): number {
  return statusKb(pid, 'VmRSS') * 1024;
}

/** Quantile q (0..1) of numbers, by nearest rank on a sorted copy. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (values: number[]): number => quantile(values, 0.5);
