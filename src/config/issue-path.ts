/** Turns zod issues into ConfigIssues with readable field paths. */
import type { z } from 'zod';
import type { ConfigIssue } from './issues.js';

export function fieldPath(parts: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

export function joinPath(prefix: string, rest: string): string {
  if (!prefix) return rest;
  if (!rest) return prefix;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}

export function fromZod(file: string, prefix: string, error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => {
    const path = joinPath(prefix, fieldPath(i.path));
    if (i.code === 'unrecognized_keys') {
      const keys = i.keys.map((k) => `"${k}"`).join(', ');
      return { file, path, message: `unknown key ${keys}: remove it or check its spelling` };
    }
    if (i.code === 'invalid_type' && i.input === undefined) return { file, path, message: `is required (expected ${i.expected})` };
    return { file, path, message: i.message };
  });
}
