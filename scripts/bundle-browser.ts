// esbuild bundles of the repository's TypeScript for a browser page: the sources' browser entry in
// place of the Node one, the WGSL texts built in (as in dist/), test files with the Vitest shim.
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { wgslTextsModule } from './wgsl-texts.mjs';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

const forBrowser: Plugin = {
  name: 'webgrad-browser',
  setup(b) {
    b.onResolve({ filter: /^vitest$/ }, () => ({ path: `${ROOT}test/browser/vitest-shim.ts` }));
    b.onResolve({ filter: /\/src\/node\.js$/ }, () => ({ path: `${ROOT}src/index.ts` }));
    b.onResolve({ filter: /\/fixtures\/load\.js$/ }, () => ({ path: `${ROOT}test/browser/fixtures-load.ts` }));
    b.onLoad({ filter: /src\/runtime\/wgsl-texts\.ts$/ }, () => ({ contents: wgslTextsModule(), loader: 'js' }));
  },
};

/** One ES module for the browser from `source` (code whose relative imports start at the repository root). */
export async function bundleForBrowser(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    plugins: [forBrowser],
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
