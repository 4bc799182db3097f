// test/fixtures/load.ts for the browser: the same PyTorch references, bundled instead of read from disk.
import type { Fixtures } from '../fixtures/load.js';
import fixtures from '../fixtures/alexnet.json' with { type: 'json' };

export type { Fixtures, Stored } from '../fixtures/load.js';

export function loadFixtures(): Fixtures {
  return structuredClone(fixtures) as Fixtures;
}
