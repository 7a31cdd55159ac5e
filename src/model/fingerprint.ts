/** Fingerprints: known signs of a censor (blockpage addresses, pages, headers). */

export type FingerprintLocation = 'dns' | 'status' | 'body' | `header.${string}`;
export type PatternType = 'full' | 'prefix' | 'contains' | 'regexp';

export interface Fingerprint {
  /** Unique name, e.g. `ru.rostelecom.warning_rt`. */
  name: string;
  location: FingerprintLocation;
  patternType: PatternType;
  pattern: string;
  /** ISO 3166 alpha-2 codes where it was seen; may be empty. */
  countries: string[];
  source: string;
}

export interface FingerprintDb {
  dns: Fingerprint[];
  http: Fingerprint[];
}

/** A fingerprint file that was loaded, for `validate` to say where detection comes from. */
export interface FingerprintSource {
  file: string;
  /** Entries taken from it (after replacing same-named entries of earlier files). */
  count: number;
  /** Part of the database shipped with blockwatch. */
  shipped: boolean;
  /** Names it replaced from an earlier file (a user's own version of a shipped fingerprint). */
  replaced: string[];
}
