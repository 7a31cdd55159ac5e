/** Reads and parses one YAML file; problems become ConfigIssues with the line they are on, and fields can be found by line. */
import { readFileSync, statSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { parseFieldPath } from './issue-path.js';
import type { ConfigIssue } from './issues.js';
import { bytesInWords } from './limits.js';

export interface YamlFile {
  file: string;
  /** The document as plain data; null for an empty one (nothing, only comments, or `---`). */
  value: unknown;
  /** The line (1-based) of a field such as `vantages[1].resolver`: the line of its key, else of the nearest field above it that exists. */
  lineOf(path: string): number | undefined;
}

/** The most a file of one kind may hold, and what to do instead. */
export interface SizeCap {
  maxBytes: number;
  /** What the file is, e.g. "a config file". */
  what: string;
  fix: string;
}

/** The parsed file, or undefined when it could not be read or parsed (its issues say why). */
export function readYamlFile(file: string, issues: ConfigIssue[], cap: SizeCap): YamlFile | undefined {
  let bytes: Buffer;
  try {
    // A folder, a FIFO or a device named *.yaml is no file to read (a FIFO would block the read for ever).
    const st = statSync(file);
    if (!st.isFile()) {
      issues.push({ file, path: '', message: `found ${st.isDirectory() ? 'a folder' : 'a special file'}, expected a YAML file: rename or remove it` });
      return undefined;
    }
    // Refused before it is read: parsing is what costs (about a second and 100 MB a megabyte).
    if (st.size > cap.maxBytes) {
      issues.push({ file, path: '', message: `found ${st.size.toLocaleString('en')} bytes, expected at most ${bytesInWords(cap.maxBytes)} for ${cap.what}: ${cap.fix}` });
      return undefined;
    }
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    issues.push({ file, path: '', message: `cannot read: ${code}${code === 'ENOENT' ? ' (no such file, or a link to none)' : code === 'EACCES' ? ': let the user blockwatch runs as read it' : ''}` });
    return undefined;
  }
  if (bytes.includes(0) || !isUtf8(bytes)) {
    issues.push({ file, path: '', message: 'found binary data, expected a YAML text file (UTF-8): is this the right file?' });
    return undefined;
  }
  const text = bytes.toString('utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) issues.push(yamlProblem(file, text, lines, e));
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? null;
  } catch (err) {
    // yaml refuses documents whose aliases expand past its limit (a "billion laughs").
    issues.push({ file, path: '', message: `found aliases that expand too far (${(err as Error).message}), expected plain values: write the values out` });
    return undefined;
  }
  return { file, value, lineOf: (path) => lineOf(doc, lines, path) };
}

/** Gives each issue about this file from `from` on that has no line the line of its field. */
export function locateIssues(yaml: YamlFile, issues: ConfigIssue[], from = 0): void {
  for (let i = from; i < issues.length; i++) {
    const issue = issues[i];
    // An empty document has no line to point at.
    if (issue.file !== yaml.file || issue.line !== undefined || (issue.path === '' && yaml.value === null)) continue;
    const line = yaml.lineOf(issue.path);
    if (line !== undefined) issue.line = line;
  }
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function lineOf(doc: Document, lines: LineCounter, path: string): number | undefined {
  const at = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lines.linePos(offset).line);
  let node: unknown = doc.contents;
  let line = at((node as { range?: [number] } | null)?.range?.[0]);
  for (const part of parseFieldPath(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      line = at((pair.key as { range?: [number] }).range?.[0]) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as { range?: [number] } | undefined;
      if (!item) break;
      line = at(item.range?.[0]) ?? line;
      node = item;
    } else break;
  }
  return line;
}

/**
 * A YAML syntax error as an issue: on the line where the mistake is (an unclosed `{`, `[` or
 * quote is reported by the parser where it gave up, lines later), without the parser's own
 * position and excerpt, and with the fix.
 */
function yamlProblem(file: string, text: string, lines: LineCounter, e: YAMLError): ConfigIssue {
  const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
  const pos = e.pos[0];
  const line = (offset: number) => lines.linePos(offset).line;
  const flow = /^Flow (map|sequence)/.exec(first);
  if (flow) {
    const [open, close] = flow[1] === 'map' ? ['{', '}'] : ['[', ']'];
    const at = unmatched(text, pos, open, close);
    return { file, path: '', line: line(at ?? pos), message: `not valid YAML: the "${open}" opened on this line is never closed: end it with "${close}" on this line, or indent what continues it` };
  }
  const quote = /^Missing closing (["'])quote/.exec(first);
  if (quote) {
    const at = text.lastIndexOf(quote[1], pos - 1);
    return { file, path: '', line: line(at >= 0 ? at : pos), message: `not valid YAML: the ${quote[1]} opened on this line is never closed: add the closing ${quote[1]}` };
  }
  if (e.code === 'TAB_AS_INDENT') return { file, path: '', line: line(pos), message: 'not valid YAML: found a tab in the indentation, expected spaces: indent with spaces' };
  if (e.code === 'DUPLICATE_KEY') {
    const end = text.indexOf('\n', pos);
    const key = /^\s*([^:\s][^:]*):/.exec(text.slice(pos, end < 0 ? undefined : end))?.[1]?.trim();
    return { file, path: '', line: line(pos), message: `not valid YAML: ${key ? `the key "${key}" appears` : 'a key appears'} twice in one mapping: keep one` };
  }
  return { file, path: '', line: line(pos), message: `not valid YAML: ${first}: check the indentation and punctuation of this line and the one above` };
}

/** Where the `open` that is still unclosed at `pos` was opened. */
function unmatched(text: string, pos: number, open: string, close: string): number | undefined {
  let depth = 0;
  for (let i = Math.min(pos, text.length) - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return undefined;
}
