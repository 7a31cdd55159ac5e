/**
 * Headless Chromium (Debian's package, never a downloaded one) driven by
 * puppeteer-core, for tests that look at the status page as people do. The
 * browser can run inside a network namespace: it is started through
 * `ip netns exec` and driven over a pipe (fds 3 and 4), so no DevTools port
 * has to cross from one namespace to another.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.BLOCKWATCH_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that work on this kind of host (root, no GPU, no internet) and keep the browser from calling home. */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The checkout's root, from test/support or dist/test/support alike. */
function checkoutRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** A path for a screenshot under test-artifacts/ (gitignored), kept after the run. */
export function artifactPath(name: string): string {
  const dir = join(checkoutRoot(), 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export interface TestBrowser {
  browser: Browser;
  /** Closes the browser, waits for it to exit, and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile, in the given network namespace when one is named. */
export async function launchBrowser(opts: { netns?: string } = {}): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
  let executablePath = CHROMIUM;
  if (opts.netns) {
    // `ip netns exec` execs Chromium in place: the pipe fds and the pid carry through.
    executablePath = join(dir, 'chromium-in-netns');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec '${opts.netns}' '${CHROMIUM}' "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    pipe: true,
    userDataDir: join(dir, 'profile'),
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** "#cf222e" → "rgb(207, 34, 46)", as getComputedStyle writes colours. */
export function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
