/**
 * How big a config and its catalogues may be. Parsing YAML costs about a second and 100 MB
 * of memory a megabyte here, so a file far past real use (731,265 canaries in 50 MB ran for
 * minutes into gigabytes) is refused before it is parsed; lists past real use are refused
 * before their items are checked. Real use: thousands of targets (the bench runs 10,000).
 */
export const CONFIG_LIMITS = {
  configBytes: 1024 * 1024,
  catalogueBytes: 2 * 1024 * 1024,
  fingerprintBytes: 2 * 1024 * 1024,
  helloBytes: 256 * 1024,
  catalogues: 1000,
  targetsPerCatalogue: 20_000,
  targets: 100_000,
  vantages: 1000,
  canaries: 1000,
  apps: 1000,
  receivers: 100,
  fingerprints: 10_000,
} as const;

/** `2 MiB`, `512 KiB`, `900 bytes`. */
export function bytesInWords(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
