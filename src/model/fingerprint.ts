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
