// Checks the container image without a Docker engine: parses the Dockerfile, assembles what its
// runtime stage copies into a temporary root, and runs the CLI there as the image's user (uid 1000).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const UID = 1000; // the `node` user of the official node images

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | null;
  steps: Instruction[];
}

/** Dockerfile → stages of instructions; continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    const line = raw.trimEnd();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) lines.push(full);
  }
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`cannot parse Dockerfile line: ${line}`);
    const op = m[1].toUpperCase();
    const args = m[2].trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`cannot parse FROM ${args}`);
      stages.push({ image: f[1], name: f[2] ?? null, steps: [] });
    } else {
      stages.at(-1)?.steps.push({ op, args });
    }
  }
  return stages;
}

const exec = (args: string): string[] => JSON.parse(args) as string[];
const one = (s: Stage, op: string): Instruction[] => s.steps.filter((i) => i.op === op);

/** COPY [--from=stage] src… dest, shell form only. */
function parseCopy(args: string): { from: string | null; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop() as string;
  return { from, sources: words, dest };
}

const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const build = stages[0];
const runtime = stages.at(-1) as Stage;
const workdirOf = (s: Stage) => one(s, 'WORKDIR').at(-1)?.args ?? '/';
const envOf = (s: Stage): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const i of one(s, 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]] = m[2];
  return env;
};

describe('Dockerfile', () => {
  test('builds and runs on the slim image of the Node LTS major the tests run on', () => {
    expect(stages).toHaveLength(2);
    const tested = Number(process.versions.node.split('.')[0]);
    const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    for (const s of stages) {
      const m = /^node:(\d+)-bookworm-slim$/.exec(s.image);
      expect(m, s.image).not.toBeNull();
      expect(Number(m?.[1]) % 2, 'an even (LTS) Node major').toBe(0);
      expect(Number(m?.[1]), 'the Node major this suite runs on').toBe(tested);
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(Number(/(\d+)/.exec(engines.node)?.[1]));
    }
  });

  test('listens on every address inside the container, on the exposed port (a host install: loopback)', () => {
    expect(envOf(runtime).BLOCKWATCH_LISTEN).toBe(`0.0.0.0:${one(runtime, 'EXPOSE')[0].args}`);
  });

  test('the build stage installs everything and compiles', () => {
    const runs = one(build, 'RUN').map((i) => i.args);
    expect(runs.some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs).toContain('npm run build');
  });

  test('the runtime stage runs as the unprivileged node user and starts the CLI', () => {
    expect(one(runtime, 'USER').at(-1)?.args).toBe('node');
    expect(exec(one(runtime, 'ENTRYPOINT')[0].args)).toEqual(['node', 'dist/src/cli.js']);
    expect(exec(one(runtime, 'CMD')[0].args)[0]).toBe('run');
    expect(one(runtime, 'EXPOSE').map((i) => i.args)).toEqual(['9464']);
  });

  test('the health check asks /healthz on the exposed port with node itself', () => {
    const hc = one(runtime, 'HEALTHCHECK')[0].args;
    const cmd = exec(hc.slice(hc.indexOf('CMD ') + 4));
    expect(cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(cmd[2]).toContain(`http://127.0.0.1:${one(runtime, 'EXPOSE')[0].args}/healthz`);
  });

  test('config and evidence are volumes, and the default config lives in the config volume', () => {
    const volumes = exec(one(runtime, 'VOLUME')[0].args);
    expect(volumes).toContain('/data');
    const config = envOf(runtime).BLOCKWATCH_CONFIG;
    expect(volumes).toContain(posix.dirname(config));
  });

  test('.dockerignore keeps host node_modules and dist out of the build', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});

/** The production packages of package-lock.json, as `npm ci --omit=dev` installs them. */
function productionPackages(): { path: string; optional: boolean }[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean; link?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev && !p.devOptional && !p.link)
    .map(([path, p]) => ({ path, optional: Boolean(p.optional) }));
}

const IS_ROOT = process.getuid?.() === 0;
const CI = Boolean(process.env.CI);
if (!IS_ROOT && !CI) console.warn('skipping the image assembly test: it needs root to run as uid 1000; CI is unset');

describe.skipIf(!IS_ROOT && !CI)('the runtime stage, assembled and run as uid 1000', () => {
  let tmp: string;
  let rootfs: string;
  let app: string;

  /** A path inside the image → the same path under the temporary root. */
  const inImage = (p: string, cwd: string) => join(rootfs, posix.resolve(cwd, p));

  beforeAll(() => {
    if (!IS_ROOT) throw new Error('the image test must run as root in CI (it switches to uid 1000)');
    if (!existsSync(join(ROOT, 'dist/src/cli.js'))) throw new Error('dist/src/cli.js is missing: run npm run build first');
    tmp = mkdtempSync(join(tmpdir(), 'blockwatch-image-'));
    chmodSync(tmp, 0o755);
    rootfs = join(tmp, 'rootfs');
    const buildWorkdir = workdirOf(build);
    let cwd = '/';
    for (const step of runtime.steps) {
      if (step.op === 'WORKDIR') {
        cwd = posix.resolve(cwd, step.args);
        mkdirSync(inImage('.', cwd), { recursive: true });
      } else if (step.op === 'COPY') {
        const c = parseCopy(step.args);
        for (const src of c.sources) {
          // What the build stage made under its WORKDIR is what `npm run build` made here.
          const from = c.from ? join(ROOT, posix.relative(buildWorkdir, posix.resolve(buildWorkdir, src))) : join(ROOT, src);
          const to = c.dest.endsWith('/') ? join(inImage(c.dest, cwd), posix.basename(src)) : inImage(c.dest, cwd);
          mkdirSync(dirname(to), { recursive: true });
          cpSync(from, to, { recursive: true });
        }
      } else if (step.op === 'RUN') {
        for (const cmd of step.args.split('&&').map((s) => s.trim())) runStep(cmd, cwd);
      }
    }
    app = inImage('.', workdirOf(runtime));
    // Everything world-readable, as image layers are; only what a RUN chowned is the user's.
    spawnSync('chmod', ['-R', 'a+rX', rootfs]);
  });

  /** The RUN commands the Dockerfile uses, done to the temporary root; anything else is an error. */
  function runStep(cmd: string, cwd: string): void {
    const words = cmd.split(/\s+/);
    if (words[0] === 'npm' && words[1] === 'ci' && words.includes('--omit=dev')) {
      // No registry here: copy the production packages package-lock.json names from the local install.
      for (const p of productionPackages()) {
        const from = join(ROOT, p.path);
        if (!existsSync(from)) {
          if (p.optional) continue;
          throw new Error(`production dependency ${p.path} is missing from node_modules`);
        }
        cpSync(from, join(inImage('.', cwd), p.path), { recursive: true });
      }
    } else if (words[0] === 'npm' && words[1] === 'cache') {
      // nothing cached here
    } else if (words[0] === 'mkdir' && words[1] === '-p') {
      for (const d of words.slice(2)) mkdirSync(inImage(d, cwd), { recursive: true });
    } else if (words[0] === 'chown' && words[1] === 'node:node') {
      for (const d of words.slice(2)) chownSync(inImage(d, cwd), UID, UID);
    } else {
      throw new Error(`the image test does not know how to run "${cmd}": teach runStep`);
    }
  }

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function cli(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(
      'setpriv',
      [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', process.execPath, 'dist/src/cli.js', ...args],
      { cwd: app, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, NODE_ENV: 'production', ...env } },
    );
    if (r.error) throw r.error;
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  test('no development dependency is in the image', () => {
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/zod'))).toBe(true);
  });

  test('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = cli(['--version']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(version);
  });

  test('validate accepts the default config shipped in the image', () => {
    const r = cli(['validate', '--config', 'config/blockwatch.yaml']);
    expect(r.status, r.out).toBe(0);
  });

  test("validate accepts the probe host's config mounted where BLOCKWATCH_CONFIG points", () => {
    // The compose file mounts deploy/probe-host/blockwatch.yaml there; its absolute paths name the image's.
    const target = inImage(envOf(runtime).BLOCKWATCH_CONFIG, '/');
    mkdirSync(dirname(target), { recursive: true });
    const text = readFileSync(join(ROOT, 'deploy/probe-host/blockwatch.yaml'), 'utf8')
      .replaceAll(' /app/', ` ${rootfs}/app/`)
      .replaceAll(' /data/', ` ${rootfs}/data/`);
    writeFileSync(target, text);
    chmodSync(target, 0o644);
    const r = cli(['validate'], { BLOCKWATCH_CONFIG: target });
    expect(r.status, r.out).toBe(0);
  });
});
