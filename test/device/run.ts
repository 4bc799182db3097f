// The kernel tests on any adapter in plain Node, without Vitest: the files of test/device/files.ts,
// one after another in this process, test/browser/vitest-shim.ts standing in for 'vitest'. It is
// how the GPU kit (tools/gpu-kit/pack.sh: .gpu-kit/verify.mjs) checks the kernels on a machine without
// Node's tools before anything there is timed.
//   npx tsx test/device/run.ts [--quick | --files kernels/a.test.ts,nn/b.test.ts] [--policy gpu] [--json FILE]
// One line per test, a closing `N passed, N failed, N skipped`; exits 1 when a test failed.
import { register } from 'node:module';

// From the sources (tsx), 'vitest' is resolved to the shim by a module hook; bundled, esbuild
// aliased it (scripts/bundle-node.mjs) and this file's URL is the bundle's.
if (import.meta.url.endsWith('.ts')) {
  const shim = new URL('../browser/vitest-shim.ts', import.meta.url).href;
  const hook = `export async function resolve(s, c, next) { return s === 'vitest' ? { url: ${JSON.stringify(shim)}, shortCircuit: true } : next(s, c); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
const { main } = await import('./verify.js');
process.exit(await main(process.argv.slice(2)));
