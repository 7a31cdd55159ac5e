// The listener tests' shared pieces: a server on a free loopback port with test defaults, closed after each test, and captured logs.
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { afterEach } from 'vitest';
import { Metrics } from '../../../src/metrics/index.js';
import type { ServerConfig } from '../../../src/model/index.js';
import { startServer, type RunningServer, type ServerOptions } from '../../../src/server/index.js';
import { config as fullConfig } from '../metrics/fixture.js';

/** A logger whose lines are kept, for asserting what was (and was not) logged. */
export function captureLogs(level: pino.Level = 'debug'): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level }, stream), text: () => lines.join('') };
}

/**
 * `start(server?, over?)` for one test file: a listener on 127.0.0.1, port 0, with a Metrics
 * of the fixture config and the file's own defaults; every one started is closed after each test.
 */
export function listenerStarter(defaults: { config?: Partial<ServerConfig> } & Partial<Omit<ServerOptions, 'config'>> = {}) {
  const running: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  const { config: configDefaults, ...optionDefaults } = defaults;
  return async function start(server: Partial<ServerConfig> = {}, over: Partial<ServerOptions> = {}): Promise<RunningServer> {
    const metrics = new Metrics({ version: '9.9.9', defaultMetrics: false });
    metrics.configure(fullConfig());
    const srv = await startServer({
      config: { host: '127.0.0.1', port: 0, enableReload: false, ...configDefaults, ...server },
      metrics,
      status: () => null,
      ready: () => false,
      logger: pino({ level: 'silent' }),
      ...optionDefaults,
      ...over,
    });
    running.push(srv);
    return srv;
  };
}
