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
    pretty ? pino.transport({ target: 'pino-pretty', options: { destination: 2 } }) : pino.destination({ dest: 2, sync: false }),
  );
}
