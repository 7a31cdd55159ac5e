/** Where blockwatch's own files live: the package root, found from this file whether it runs from src/ or dist/src/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'blockwatch') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the blockwatch package root (package.json)');
    dir = up;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
/** The fingerprint database shipped with blockwatch: it applies to every config unless switched off. */
export const SHIPPED_FINGERPRINTS = join(PACKAGE_ROOT, 'probes', 'fingerprints');
/** The hello profiles shipped with blockwatch (probes/hellos/<name>.yaml): what `hello:` on a tls target names. */
export const SHIPPED_HELLOS = join(PACKAGE_ROOT, 'probes', 'hellos');
