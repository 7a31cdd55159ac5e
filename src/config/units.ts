/** Parsing of the config's human units: durations, byte sizes and bit rates. */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `10s`, `5m`, `4h`, `1d` → milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text.trim());
  return m ? Math.round(Number(m[1]) * DURATION_MS[m[2]]) : null;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/;
const SIZE_BYTES: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** `512KB`, `256MB`, `64KiB`, `1000` → bytes; null when malformed. */
export function parseSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.floor(text) : null;
  const m = SIZE.exec(text.trim());
  return m ? Math.round(Number(m[1]) * SIZE_BYTES[m[2] ?? 'B']) : null;
}

const RATE = /^(\d+(?:\.\d+)?)\s*(bit|kbit|Kbit|Mbit|Gbit)\/s$/;
const RATE_BITS: Record<string, number> = { bit: 1, kbit: 1e3, Kbit: 1e3, Mbit: 1e6, Gbit: 1e9 };

/** `1Mbit/s`, `150kbit/s` → bits per second; null when malformed. */
export function parseRate(text: string): number | null {
  const m = RATE.exec(text.trim());
  return m ? Number(m[1]) * RATE_BITS[m[2]] : null;
}
