import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeBlock } from '../../scripts/readme-block.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The README's first example runs as printed, as a script of its own (importing this checkout in
// place of the package), and shows what it says: the loss falls and the GPU buffers stay flat.
describe('the README example', () => {
  it('trains: the loss falls, live buffers stay flat, and nothing is left at the end', () => {
    const code = readmeBlock('A first model');
    expect(code).toMatch(/from 'webgrad-wgsl';/);
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-readme-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(file, code.replace(/from 'webgrad-wgsl';/g, `from ${JSON.stringify(join(root, 'src/node.ts'))};`));
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 280_000 });
      expect(r.status, r.stderr).toBe(0);
      const steps = [...r.stdout.matchAll(/^step (\d+): loss ([\d.]+), live GPU buffers (\d+)$/gm)];
      expect(steps.length).toBeGreaterThanOrEqual(3);
      const losses = steps.map((m) => Number(m[2]));
      expect(losses.at(-1)!).toBeLessThan(losses[0] / 2);
      expect(new Set(steps.map((m) => m[3])).size).toBe(1);
      expect(r.stdout).toMatch(/^live GPU buffers at the end: 0$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
