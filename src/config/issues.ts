/** Configuration problems: each names the file, the field and what is expected. */

export interface ConfigIssue {
  file: string;
  /** Field path, e.g. `vantages[1].resolver`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatIssue(i: ConfigIssue): string {
  return i.path ? `${i.file}: ${i.path}: ${i.message}` : `${i.file}: ${i.message}`;
}

/** Thrown by loaders when a config cannot be used; carries every issue found. */
export class ConfigError extends Error {
  readonly code = 'BLOCKWATCH_CONFIG';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}
