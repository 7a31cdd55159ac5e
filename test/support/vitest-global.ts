/** vitest's global setup: the run's folder and its test PKI, made before any file runs; after the last, what files left running is killed and the folder removed. */
import { runCA } from './run-pki.js';
import { startTestRun } from './test-run.js';

export default function setup(): () => void {
  const run = startTestRun();
  runCA();
  return run.end;
}
