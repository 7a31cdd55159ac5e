/** Evidence file names (blockwatch-YYYY-MM-DD[.N].jsonl, UTC days), listing, and pruning to the size cap. */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const NAME = /^blockwatch-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/;

export interface EvidenceFile {
  name: string;
  day: string;
  index: number;
  size: number;
}

/** The UTC day of a date, as files name it. */
export function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function fileName(day: string, index: number): string {
  return index === 0 ? `blockwatch-${day}.jsonl` : `blockwatch-${day}.${index}.jsonl`;
}

/** Evidence files in dir, oldest first. Other files are left alone. */
export async function listFiles(dir: string): Promise<EvidenceFile[]> {
  const out: EvidenceFile[] = [];
  for (const name of await readdir(dir)) {
    const m = NAME.exec(name);
    if (!m) continue;
    const size = await stat(join(dir, name)).then(
      (s) => s.size,
      () => -1,
    );
    if (size >= 0) out.push({ name, day: m[1], index: Number(m[2] ?? 0), size });
  }
  return out.sort((a, b) => (a.day === b.day ? a.index - b.index : a.day < b.day ? -1 : 1));
}

/**
 * Deletes the oldest files until the others plus a full current file fit in
 * maxBytes. The current file is never deleted. Returns the names deleted.
 */
export async function prune(dir: string, current: string, maxBytes: number, fileBytes: number): Promise<string[]> {
  const files = (await listFiles(dir)).filter((f) => f.name !== current);
  let total = files.reduce((s, f) => s + f.size, 0) + fileBytes;
  const deleted: string[] = [];
  for (const f of files) {
    if (total <= maxBytes) break;
    await unlink(join(dir, f.name)).catch(() => undefined);
    total -= f.size;
    deleted.push(f.name);
  }
  return deleted;
}
