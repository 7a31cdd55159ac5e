/**
 * The test PKI of one run: each named CA made once, each set of leaf names issued once, and
 * shared by every test file of the run (in the run's folder, test-run.ts). Outside a run (a
 * benchmark, a script) it lives for this process only.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCA, makeCA, type Leaf, type TestCA } from './pki.js';
import { testRunDir } from './test-run.js';

let own: string | null = null;

/** The PKI's folder: in the run's, or one of this process's own (removed at exit). */
function runDir(): string {
  const run = testRunDir();
  if (run) return join(run, 'pki');
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), 'bw-pki-run-'));
    own = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return own;
}

const key = (parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

/**
 * Made once: `make` builds into a fresh folder that is then renamed into `path` (atomic), so
 * that files running side by side never see half a CA; the one that loses the race uses the winner's.
 */
function once(path: string, make: (dir: string) => void): string {
  if (existsSync(join(path, 'done'))) return path;
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = mkdtempSync(`${path}.tmp-`);
  make(tmp);
  mkdirSync(join(tmp, 'done'));
  try {
    renameSync(tmp, path);
  } catch {
    // Another file made it first.
    rmSync(tmp, { recursive: true, force: true });
  }
  return path;
}

const cas = new Map<string, TestCA>();

/** The run's CA called `name` (its root, self-signed). */
export function runCA(name = 'blockwatch test CA'): TestCA {
  let ca = cas.get(name);
  if (!ca) {
    const dir = once(join(runDir(), 'ca', key([name])), (d) => makeCA(name, d));
    // Leaves issued here on demand (expired ones, odd names) go to a folder of this process's own.
    ca = loadCA(dir, mkdtempSync(join(runDir(), 'leaves-')));
    cas.set(name, ca);
  }
  return ca;
}

/** A leaf of the run's default CA for `names` plus 127.0.0.1 and ::1: one per set of names and run. */
export function runLeaf(names: string[]): Leaf {
  const ips = ['127.0.0.1', '::1'];
  const ca = runCA();
  const dir = once(join(runDir(), 'leaf', key([...names, '|', ...ips])), (d) => {
    const l = ca.issue(names, { ips });
    for (const [from, to] of [[l.certFile, 'leaf.pem'], [l.keyFile, 'leaf.key']]) renameSync(from, join(d, to));
  });
  const certFile = join(dir, 'leaf.pem');
  const keyFile = join(dir, 'leaf.key');
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, chain: cert + ca.chain };
}
