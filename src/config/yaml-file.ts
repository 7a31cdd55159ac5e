/** Reads and parses one YAML file; problems become ConfigIssues with line numbers. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { ConfigIssue } from './issues.js';

/** The parsed document, or undefined when it could not be read or parsed. */
export function parseYamlFile(file: string, issues: ConfigIssue[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    issues.push({ file, path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return undefined;
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const line = e.linePos?.[0];
      issues.push({ file, path: line ? `line ${line.line}` : '', message: `not valid YAML: ${e.message.split('\n')[0]}` });
    }
    return undefined;
  }
  return doc.toJS() ?? {};
}
