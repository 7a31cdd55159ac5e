#!/usr/bin/env node
/** The command line: run, check, validate. */
import { parseArgs } from 'node:util';
import { check } from './commands/check.js';
import { HELP, UsageError } from './commands/usage.js';
import { validate } from './commands/validate.js';
import { ConfigError, formatIssue } from './config/issues.js';
import { defaultConfigPath } from './config/load.js';
import { VERSION } from './version.js';
import { leanHeap } from './runtime/heap.js';

/**
 * A reader that stops reading (`blockwatch validate | head -1`) closes the pipe: the next
 * write fails with EPIPE. That is the reader's choice, not an error of ours: what is left
 * to print goes nowhere, and the command ends with its own exit code, quietly.
 */
let outputClosed = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    outputClosed = true;
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      app: { type: 'string', multiple: true },
      vantage: { type: 'string', multiple: true },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
  if (values.version) {
    process.stdout.write(`blockwatch ${VERSION} (node ${process.versions.node})\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? process.stdout : process.stderr).write(HELP);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const config = values.config ?? defaultConfigPath();
  const only = (flag: string, ok: boolean) => {
    if (!ok) throw new UsageError(`${flag} is for "check" only`);
  };
  switch (command) {
    case 'validate':
      only('--app/--vantage/--format', !values.app && !values.vantage && !values.format);
      return validate(config, process.stdout, process.stderr);
    case 'check': {
      const format = values.format ?? 'table';
      if (format !== 'table' && format !== 'json') throw new UsageError(`--format ${format}: expected table or json`);
      return check({ config, apps: values.app ?? [], vantages: values.vantage ?? [], format }, process.stdout, process.stderr);
    }
    case 'run': {
      only('--app/--vantage/--format', !values.app && !values.vantage && !values.format);
      const { runDaemon } = await import('./main.js');
      leanHeap();
      return runDaemon(config);
    }
    default:
      throw new UsageError(`unknown command "${command}"; expected run, check or validate`);
  }
}

/**
 * Ends the process with `code` once the output is out (for run: after a clean shutdown, logs
 * flushed). Nothing left open, a socket still closing, a timer, or whatever a start that
 * failed half-way had begun, may keep the process alive: a command that is done exits.
 */
function finish(code: number): void {
  process.exitCode = code;
  if (outputClosed || process.stdout.writableLength === 0) process.exit(code);
  else {
    const exit = () => process.exit(code);
    process.stdout.once('drain', exit).once('error', exit);
  }
}

main(process.argv.slice(2)).then(finish, (err: unknown) => {
  // stderr is written synchronously (files, pipes and terminals on Linux): nothing is lost by exiting after it.
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error:\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`);
  } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`blockwatch: ${(err as Error).message}\n\n${HELP}`);
  } else {
    process.stderr.write(`blockwatch: ${(err as Error)?.stack ?? String(err)}\n`);
    return finish(3);
  }
  finish(2);
});
