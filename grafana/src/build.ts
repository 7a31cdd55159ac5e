/** Writes the generated dashboards to grafana/dashboards/ (node dist/grafana/src/build.js [dir]). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboards, renderDashboard } from './dashboards.js';

/** grafana/dashboards, whether this runs from grafana/src or from dist/grafana/src. */
function defaultDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const grafana = here.includes(`${join('dist', 'grafana')}`) ? resolve(here, '../../../grafana') : resolve(here, '..');
  return join(grafana, 'dashboards');
}

const dir = process.argv[2] ? resolve(process.argv[2]) : defaultDir();
mkdirSync(dir, { recursive: true });
for (const [file, d] of dashboards()) {
  writeFileSync(join(dir, file), renderDashboard(d));
  console.log(`wrote ${join(dir, file)}`);
}
