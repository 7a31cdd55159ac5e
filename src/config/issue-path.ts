/** Turns zod issues into ConfigIssues with readable field paths, saying what was found, what was expected and the fix. */
import type { z } from 'zod';
import { found, type ConfigIssue } from './issues.js';

export function fieldPath(parts: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** `vantages[1].resolver` → ['vantages', 1, 'resolver']. */
export function parseFieldPath(path: string): Array<string | number> {
  const parts: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}

export function joinPath(prefix: string, rest: string): string {
  if (!prefix) return rest;
  if (!rest) return prefix;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  array: 'a list',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  boolean: 'true or false',
};

function expectedWords(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

/** How to write what was meant, when the mistake is a common one. */
function typeFix(expected: string, input: unknown): string {
  if (expected === 'array' && (typeof input === 'string' || typeof input === 'number')) return `: write a list, e.g. [${String(input)}]`;
  if ((expected === 'number' || expected === 'int') && typeof input === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(input)) return ': write the number without quotes';
  if (expected === 'int' && typeof input === 'number') return `: write a whole number, e.g. ${Math.round(input)}`;
  if (expected === 'object' || expected === 'record') return ': write key: value pairs, indented under the key, or { key: value }';
  if (expected === 'boolean' && typeof input === 'string') return ': write true or false without quotes';
  return '';
}

/** zod's own wording, which we replace; messages our schema gives are kept. */
const ZOD_DEFAULT = /^(Invalid input|Invalid option|Too small|Too big|Invalid|Unrecognized)/;

/** Two keys that a typo can turn into each other (Damerau–Levenshtein distance at most 2, or one a case variant of the other). */
export function similar(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  if (Math.abs(a.length - b.length) > 2) return false;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length] <= 2;
}

function message(i: Issue): string {
  const input = (i as { input?: unknown }).input;
  const custom = !ZOD_DEFAULT.test(i.message);
  if (custom) {
    // Our own messages say the fix; each also says what was found, unless it quotes it already.
    if (input === undefined || /^found /.test(i.message) || (typeof input === 'string' && i.message.includes(JSON.stringify(input)))) return i.message;
    return /^expected /.test(i.message) ? `found ${found(input)}, ${i.message}` : `found ${found(input)}: ${i.message}`;
  }
  switch (i.code) {
    case 'invalid_type':
      return `found ${found(input)}, expected ${expectedWords(i.expected)}${typeFix(i.expected, input)}`;
    case 'too_small':
    case 'too_big': {
      const bound = i.code === 'too_small' ? (i as { minimum: number | bigint }).minimum : (i as { maximum: number | bigint }).maximum;
      const side = i.code === 'too_small' ? 'at least' : 'at most';
      if (i.origin === 'array') return `found ${found(input)}, expected ${side} ${String(bound)} item${Number(bound) === 1 ? '' : 's'}`;
      if (i.origin === 'string') return `found ${found(input)}, expected ${side} ${String(bound)} character${Number(bound) === 1 ? '' : 's'}`;
      return `found ${found(input)}, expected ${side} ${String(bound)}`;
    }
    case 'invalid_value':
      return `found ${found(input)}, expected one of ${i.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_union': {
      const kinds = [...new Set(i.errors.flatMap((branch) => branch.filter((b) => b.path.length === 0 && b.code === 'invalid_type').map((b) => expectedWords((b as { expected: string }).expected))))];
      return `found ${found(input)}, expected ${kinds.length ? kinds.join(' or ') : 'another shape'}`;
    }
    default:
      return `found ${found(input)}: ${i.message}`;
  }
}

/**
 * Issues for a zod error under `prefix`. A misspelt key is one problem, not two: an unknown
 * key that looks like a required key that is missing is reported once, as the typo.
 */
export function fromZod(file: string, prefix: string, error: z.ZodError): ConfigIssue[] {
  const issues = error.issues as Issue[];
  const unknown = new Map<string, string[]>();
  for (const i of issues) if (i.code === 'unrecognized_keys') unknown.set(fieldPath(i.path), [...i.keys]);
  // Which unknown key is the typo of which missing one (`parent\0typo` → the key meant).
  const typos = new Map<string, string>();
  for (const i of issues) {
    if (i.code !== 'invalid_type' || (i as { input?: unknown }).input !== undefined) continue;
    const parent = fieldPath(i.path.slice(0, -1));
    const name = String(i.path.at(-1));
    const typo = unknown.get(parent)?.find((k) => !typos.has(`${parent}\u0000${k}`) && similar(k, name));
    if (typo !== undefined) typos.set(`${parent}\u0000${typo}`, name);
  }
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    const here = fieldPath(i.path);
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) {
        const meant = typos.get(`${here}\u0000${k}`);
        out.push({
          file,
          path: joinPath(prefix, joinPath(here, k)),
          message: meant === undefined ? `unknown key "${k}": remove it or check its spelling` : `unknown key "${k}": did you mean "${meant}"? (${meant} is required)`,
        });
      }
      continue;
    }
    const input = (i as { input?: unknown }).input;
    if (i.code === 'invalid_type' && input === undefined) {
      const parent = fieldPath(i.path.slice(0, -1));
      const name = String(i.path.at(-1));
      if ([...typos].some(([k, v]) => v === name && k.startsWith(`${parent}\u0000`))) continue;
      out.push({ file, path: joinPath(prefix, here), message: `is required and missing: add ${name}: (expected ${expectedWords(i.expected)})` });
      continue;
    }
    if (i.code === 'invalid_union' && input !== null && typeof input === 'object') {
      // A mapping or list given where one branch takes that shape: that branch's own problems are the useful ones.
      const shaped = i.errors.find((branch) => !branch.some((b) => b.path.length === 0 && b.code === 'invalid_type'));
      if (shaped) {
        out.push(...fromZod(file, joinPath(prefix, here), { issues: shaped } as unknown as z.ZodError));
        continue;
      }
    }
    out.push({ file, path: joinPath(prefix, here), message: message(i) });
  }
  return out;
}
