// Bundles an entry point of the repository for Node with esbuild, the WGSL texts built in (as in
// dist/), so that the bundle runs from any folder without src/kernels/wgsl/ beside it. The GPU kit
// (tools/gpu-kit/pack.sh) runs the bench, the AlexNet example, the GEMM tuner and the test files
// (test/device/run.ts) this way.
//   node scripts/bundle-node.mjs ENTRY.ts OUT.mjs
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { wgslTextsModule } from './wgsl-texts.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node scripts/bundle-node.mjs ENTRY.ts OUT.mjs');
  process.exit(2);
}
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The PNG renderer (a native module, loaded only for --png) stays outside: a kit without it
  // answers --png with what to install.
  external: ['webgpu', '@resvg/resvg-js'],
  // Bundled as ESM, CommonJS dependencies (cli-progress) still call require().
  banner: { js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);" },
  plugins: [{
    name: 'wgsl-texts',
    setup(b) {
      b.onLoad({ filter: /wgsl-texts\.ts$/ }, () => ({ contents: wgslTextsModule(), loader: 'js' }));
    },
  }, {
    // The test files, for test/device/run.ts: Vitest's API from the shim, and the files they read
    // (fixtures, the README) found where the sources put them, from the working directory (the
    // repository's root), as the bundle's own URL is the kit's.
    name: 'test-files',
    setup(b) {
      b.onResolve({ filter: /^vitest$/ }, () => ({ path: `${ROOT}test/browser/vitest-shim.ts` }));
      b.onLoad({ filter: /\/test\/.*\.ts$/ }, async (args) => {
        if (!args.path.startsWith(`${ROOT}test/`) || args.path.startsWith(`${ROOT}test/device/`)) return undefined;
        const source = relative(ROOT, args.path);
        const url = `new URL(${JSON.stringify(source)}, require('node:url').pathToFileURL(process.cwd() + '/')).href`;
        const dirname = `require('node:path').resolve(${JSON.stringify(relative(ROOT, `${args.path}/..`))})`;
        const text = await readFile(args.path, 'utf8');
        return { contents: text.replaceAll('import.meta.url', `(${url})`).replaceAll('import.meta.dirname', `(${dirname})`), loader: 'ts' };
      });
    },
  }],
  logLevel: 'warning',
});
