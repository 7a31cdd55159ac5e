/** Configuration problems: each names the file, the line, the field, what was found and the fix. */

export interface ConfigIssue {
  file: string;
  /** Field path, e.g. `vantages[1].resolver`; empty for the whole file. */
  path: string;
  message: string;
  /** The line (1-based) of the field, when the file is YAML and the field is in it. */
  line?: number;
}

/** `file:line: field: message`, the way compilers print it (editors jump to it). */
export function formatIssue(i: ConfigIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}` : i.file;
  return i.path ? `${where}: ${i.path}: ${i.message}` : `${where}: ${i.message}`;
}

/** What a value in a YAML file is, in words: `the text "lots"`, `the number 3`, `a list of 2 items`, `a mapping`. */
export function found(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`;
  return Object.keys(value as object).length === 0 ? 'an empty mapping' : 'a mapping';
}

/** Thrown by loaders when a config cannot be used; carries every issue found. */
export class ConfigError extends Error {
  readonly code = 'BLOCKWATCH_CONFIG';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}
