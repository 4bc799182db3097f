import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wgslTextsModule } from '../../scripts/wgsl-texts.mjs';
import { KERNEL_FILES } from '../../src/runtime/sources.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('package', () => {
  it('the browser entry bundles for the browser with no configuration and no Node module', async () => {
    const result = await build({
      entryPoints: [`${root}src/index.ts`],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => /^node:|device\/node|io\/safetensors\.ts|atomic-file/.test(f))).toEqual([]);
    expect(inputs.some((f) => f.endsWith('src/runtime/wgsl-texts.ts'))).toBe(true);
    // No file is located at run time (bundlers such as Vite would try to resolve `new URL(…, import.meta.url)`).
    expect(result.outputFiles[0].text).not.toContain('import.meta');
  });

  it('the browser example bundles for the browser with no Node module', async () => {
    const result = await build({
      entryPoints: [`${root}examples/browser/main.ts`],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((f) => /^node:|device\/node|io\/safetensors\.ts|atomic-file/.test(f))).toEqual([]);
  });

  it("the browser entry's init() without navigator.gpu says to use the Node entry", async () => {
    const browser = await import('../../src/index.js');
    expect('saveSafetensors' in browser).toBe(false);
    await expect(browser.init()).rejects.toThrow(/no navigator\.gpu; in Node, the package's Node entry \(webgrad-wgsl\/node/);
  });

  it('the built kernel texts are every .wgsl file, verbatim', async () => {
    const dir = `${root}src/kernels/wgsl/`;
    const url = `data:text/javascript;base64,${Buffer.from(wgslTextsModule()).toString('base64')}`;
    const { WGSL_TEXTS } = (await import(/* @vite-ignore */ url)) as { WGSL_TEXTS: Record<string, string> };
    const files = readdirSync(dir).filter((f) => f.endsWith('.wgsl'));
    expect(Object.keys(WGSL_TEXTS).sort()).toEqual([...KERNEL_FILES].sort());
    for (const f of files) expect(WGSL_TEXTS[f.replace(/\.wgsl$/, '')]).toBe(readFileSync(dir + f, 'utf8'));
  });
});
