// Bundles an entry point of the repository for Node with esbuild, the WGSL texts built in (as in
// dist/), so that the bundle runs from any folder without src/kernels/wgsl/ beside it. The GPU kit
// (bench/gpu-pack.sh) runs the bench, the AlexNet example and the GEMM tuner this way.
//   node scripts/bundle-node.mjs ENTRY.ts OUT.mjs
import { build } from 'esbuild';
import { wgslTextsModule } from './wgsl-texts.mjs';

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
  external: ['webgpu'],
  // Bundled as ESM, CommonJS dependencies (cli-progress) still call require().
  banner: { js: "import{createRequire}from'node:module';const require=createRequire(import.meta.url);" },
  plugins: [{
    name: 'wgsl-texts',
    setup(b) {
      b.onLoad({ filter: /wgsl-texts\.ts$/ }, () => ({ contents: wgslTextsModule(), loader: 'js' }));
    },
  }],
  logLevel: 'warning',
});
