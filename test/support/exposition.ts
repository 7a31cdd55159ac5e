/** Parses Prometheus text exposition into `name{a="x",b="y"}` (labels sorted) → value, for exact assertions. */

export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable exposition line: ${line}`);
    const labels: [string, string][] = [];
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (let l = re.exec(m[2] ?? ''); l; l = re.exec(m[2] ?? '')) labels.push([l[1], l[2]]);
    labels.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    out.set(seriesKey(m[1], Object.fromEntries(labels)), Number(m[3]));
  }
  return out;
}

export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

/** Every series of one metric name (exact name, so histograms' _bucket are separate). */
export function ofMetric(all: Map<string, number>, name: string): Map<string, number> {
  return new Map([...all].filter(([k]) => k === name || k.startsWith(`${name}{`)));
}
