// The version comes from package.json wherever the code runs from (the status page and build_info show it).
import { it, expect } from 'vitest';
import { VERSION } from '../../src/version.js';
it('reads the package version from package.json, from src/ as from dist/', () => expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/));
