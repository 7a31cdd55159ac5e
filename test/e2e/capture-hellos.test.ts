// The capture script against the clients installed here: a fresh capture of each gives the JA4 its shipped profile states (a browser that is not installed is skipped, saying so).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURE_NAME, CLIENTS, shippedJa4 } from '../../scripts/capture-hellos.js';
import { ja4, parseClientHello, type ClientHello } from '../../src/net/tls-hello/index.js';

describe('scripts/capture-hellos.ts', () => {
  for (const client of CLIENTS) {
    const missing = client.bin !== null && !existsSync(client.bin);
    if (missing) console.warn(`skipping the ${client.name} capture: ${client.bin} is not installed`);
    it.skipIf(missing)(`captures ${client.name} with the JA4 of probes/hellos/${client.name}.yaml`, { timeout: 180_000 }, async () => {
      const h = parseClientHello(await client.once()) as ClientHello;
      expect(h).not.toBeInstanceOf(Error);
      expect(h.serverName).toBe(CAPTURE_NAME);
      expect(ja4(h)).toBe(shippedJa4(client.name));
    });
  }
});
