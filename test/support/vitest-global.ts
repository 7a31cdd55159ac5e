/** vitest's global setup: the run's folder, made before any file runs; after the last, what files left running is killed and the folder removed. */
import { startTestRun } from './test-run.js';

export default function setup(): () => void {
  return startTestRun().end;
}
