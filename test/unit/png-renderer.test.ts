// --png where the renderer's binary cannot load (a platform @resvg/resvg-js has no build for): a
// UsageError naming the flag and what to install, raised before any training (main.ts loads it first).
import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../scripts/cli.js';

vi.mock('@resvg/resvg-js', () => {
  throw new Error('Cannot find module @resvg/resvg-js-linux-x64-gnu');
});

describe('the PNG renderer', () => {
  it('refuses with what to install when @resvg/resvg-js cannot load', async () => {
    const { loadPngRenderer } = await import('../../examples/alexnet-cifar/report/index.js');
    const error = await loadPngRenderer('--png').then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toMatch(/^--png needs the npm package @resvg\/resvg-js with its binary for \w+-\w+ \(npm install --save-dev @resvg\/resvg-js\): ./);
  });
});
