/** Usage errors (exit 2) and the help text. */

export class UsageError extends Error {
  readonly code = 'BLOCKWATCH_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const HELP = `blockwatch — watches whether messaging apps can be reached, and how they are blocked

Usage:
  blockwatch run      [--config FILE]                      the daemon (metrics, alerts, status API)
  blockwatch check    [--config FILE] [--app ID]… [--vantage ID]… [--format table|json]
  blockwatch validate [--config FILE]
  blockwatch --help | --version

The config defaults to $BLOCKWATCH_CONFIG, else config/blockwatch.yaml.
check exits 0 when every app is reachable, 1 when any is not, 2 on a usage or configuration error.
`;
