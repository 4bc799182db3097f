// Times the GEMM under each workgroup shape for a few products: wall time, the minimum of rounds that
// visit every shape in turn (robust to other load on the machine):
//   npx tsx bench/tune-gemm.ts
import { init, release } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import { tensor } from '../src/ops/creation.js';
import { gemmKernel } from '../src/kernels/gemm.js';
import { tileTuning } from '../src/kernels/gemm-tiles.js';
import { values } from './cases/gemm.js';
import { median } from './timing.js';

await init();
const shapes: [string, number, number, number, boolean, boolean][] = [
  ['1024³', 1024, 1024, 1024, false, false],
  ['fc7 fwd', 32, 4096, 4096, false, true],
  ['fc7 dx', 32, 4096, 4096, false, false],
  ['fc7 dW', 4096, 4096, 32, true, false],
];
const tiles = (process.argv[2] ?? '8x8,16x4,32x2,64x1,8x4,4x8,16x2').split(',').map((t) => {
  const [x, y] = t.split('x').map(Number);
  return { wgX: x, wgY: y };
});
for (const [name, M, N, K, ta, tb] of shapes) {
  const a = tensor(values(M * K, 1), ta ? [K, M] : [M, K]);
  const b = tensor(values(K * N, 2), tb ? [N, K] : [K, N]);
  const configs = [null, ...tiles];
  const best = configs.map(() => Infinity);
  for (const [i, t] of configs.entries()) {
    tileTuning.force = t;
    gemmKernel(a, b, { transA: ta, transB: tb }).dispose(); // compile
    await runtime().sync();
    void i;
  }
  for (let round = 0; round < 3; round++) {
    for (const [i, t] of configs.entries()) {
      tileTuning.force = t;
      const t0 = performance.now();
      gemmKernel(a, b, { transA: ta, transB: tb }).dispose();
      await runtime().sync();
      best[i] = Math.min(best[i], performance.now() - t0);
    }
  }
  const line = configs.map((t, i) => `${t ? `${t.wgX}x${t.wgY}` : 'auto'} ${best[i].toFixed(0)}ms ${((2 * M * N * K) / best[i] / 1e6).toFixed(2)}`);
  console.log(`${name}: ${line.join(' | ')}`);
  a.dispose();
  b.dispose();
}
await release();
process.exit(0);
