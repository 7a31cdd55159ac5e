/**
 * The evidence folder: made one level at a time, and checked to take files before the
 * daemon relies on it (at start and at reload), with what is wrong said in words.
 *
 * Why not `mkdir(dir, { recursive: true })`: on procfs a mkdir under an existing folder
 * fails with ENOENT, which Node's recursive mkdir (Node 20, 22) takes for a missing parent:
 * it makes the parent (EEXIST: fine) and tries again, for ever, in a libuv thread at a full
 * core, and the promise never settles (`evidence.dir: /proc/evidence` spun and hung
 * SIGTERM). Described in github.com/Kewton/CommandMate/issues/1774 ("procfs returns ENOENT
 * … Node's recursive mkdir … infinite loop").
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** procfs and sysfs (statfs(2) f_type: PROC_SUPER_MAGIC, SYSFS_MAGIC in linux/magic.h): no file of ours can live there. */
const PSEUDO_FILE_SYSTEMS = new Set([0x9fa0, 0x62656572]);

/** The folders from the nearest one that exists down to `dir`, outermost first. */
function missing(dir: string, exists: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (let p = resolve(dir); !exists(p); p = dirname(p)) {
    out.unshift(p);
    if (dirname(p) === p) break;
  }
  return out;
}

function existsSync(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch (err) {
    // Behind a folder this user may not search, a path is as good as missing: it cannot be used.
    const code = (err as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'EACCES';
  }
}

/** Makes `dir` and its missing parents, each with a plain mkdir: an error is the answer, never a retry. */
export async function makeDir(dir: string): Promise<void> {
  for (const p of missing(dir, existsSync)) {
    await mkdir(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

function makeDirSync(dir: string): void {
  for (const p of missing(dir, existsSync)) {
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Who this process is, for a message a person can act on. */
function whoAmI(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
}

function explain(what: string, dir: string, err: NodeJS.ErrnoException): string {
  const code = err.code ?? String(err);
  const fix: Record<string, string> = {
    EACCES: `the user blockwatch runs as (${whoAmI()}) may not: give it the folder (chown), or pick one it owns`,
    EPERM: `the user blockwatch runs as (${whoAmI()}) may not: give it the folder (chown), or pick one it owns`,
    ENOTDIR: 'a part of the path is a file, not a folder: pick another path',
    EROFS: 'the file system is read-only: pick a folder on a writable one (in a container, a volume such as /data)',
    ENOSPC: 'the disk is full: free space or pick another disk',
    EDQUOT: 'the disk quota is used up: free space or pick another disk',
    // procfs and sysfs answer ENOENT for a new folder under one that exists.
    ENOENT: 'this file system takes no new folders (is it /proc or /sys?): pick a folder on a disk',
  };
  return `cannot ${what} ${dir}: ${code}; ${fix[code] ?? 'pick a folder this user can write to'}`;
}

/** Creates and removes a file in `dir`: the only sure test that files can be written there. */
function tryWrite(dir: string): void {
  const probe = join(dir, `.blockwatch-write-check-${process.pid}`);
  const fd = openSync(probe, 'wx', 0o600);
  try {
    writeSync(fd, '\n');
  } finally {
    closeSync(fd);
    unlinkSync(probe);
  }
}

/**
 * Null when this process can keep evidence in `dir`; else what is wrong and the fix. With
 * `create` (the daemon) the folder is made as it will be; without (validate, which may run
 * as another user and must not leave a folder owned by the wrong one) a folder that does not
 * exist yet is judged by the nearest one that does.
 */
export function evidenceDirProblem(dir: string, opts: { create: boolean }): string | null {
  if (opts.create) {
    try {
      makeDirSync(dir);
    } catch (err) {
      return explain('create', dir, err as NodeJS.ErrnoException);
    }
  }
  const todo = missing(dir, existsSync);
  if (todo.length > 0) {
    const parent = dirname(todo[0]);
    try {
      if (!statSync(parent).isDirectory()) return explain('create', dir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
      if (PSEUDO_FILE_SYSTEMS.has(statfsSync(parent).type)) return explain('create', dir, Object.assign(new Error('no such file'), { code: 'ENOENT' }));
      accessSync(parent, constants.W_OK | constants.X_OK);
    } catch (err) {
      return explain('create', dir, err as NodeJS.ErrnoException);
    }
    return null;
  }
  try {
    if (!statSync(dir).isDirectory()) return explain('write in', dir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
    tryWrite(dir);
  } catch (err) {
    return explain('write in', dir, err as NodeJS.ErrnoException);
  }
  return null;
}
