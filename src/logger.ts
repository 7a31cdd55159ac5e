/** The daemon's logger: pino JSON lines, pretty-printed when stderr is a terminal. */
import pino, { type Logger } from 'pino';

export function makeLogger(level = process.env.BLOCKWATCH_LOG_LEVEL ?? 'info'): Logger {
  const pretty = process.stderr.isTTY === true;
  return pino(
    {
      level,
      base: { name: 'blockwatch' },
      // Secrets never reach logs, even if a config object is logged by mistake.
      redact: { paths: ['*.token', '*.password', '*.authorization', 'headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
    },
    // process.stderr writes synchronously to files and pipes on Linux: a few lines per round,
    // none lost at exit, and no exit hook of a separate destination to hold the process.
    pretty ? pino.transport({ target: 'pino-pretty', options: { destination: 2 } }) : process.stderr,
  );
}
