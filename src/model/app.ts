/** Apps: a messaging service as its catalogue describes it. */
import type { Target } from './target.js';

export interface GroupSpec {
  /** An app is blocked only when an essential group is; default true. */
  essential: boolean;
}

export interface App {
  id: string;
  name: string;
  sources: string[];
  /** Closed services are catalogued for history and never probed. */
  closed?: { since: string; note: string };
  targets: Target[];
  groups: Record<string, GroupSpec>;
  /** The catalogue file it came from, for error messages. */
  file: string;
}

/** The group a target belongs to: its own id when it names none. */
export function groupOf(t: Target): string {
  return t.group ?? t.id;
}
