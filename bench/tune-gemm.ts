// Times the GEMM under each workgroup shape for a few products by the CPU time of the threads that
// run lavapipe's work (Linux /proc; robust to other load on the machine, unlike wall time), summed over rounds
// that visit every shape in turn:
//   npx tsx bench/tune-gemm.ts [WGXxWGY,...] [shape regex]
// Prints CPU ms per product and GFLOP per CPU-second for each workgroup shape ('auto': chooseTile's).
import { init, release } from '../src/node.js';
import { runtime } from '../src/device/current.js';
import { tensor } from '../src/ops/creation.js';
import { gemmKernel } from '../src/kernels/gemm.js';
import { tileTuning } from '../src/kernels/gemm-tiles.js';
import { values } from './cases/gemm.js';
import { workerCpuMs as cpuNow } from './timing.js';

const workerCpuMs = (): number => cpuNow() ?? Number.NaN;

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
for (const [name, M, N, K, ta, tb] of shapes.filter((s) => new RegExp(process.argv[3] ?? '.').test(s[0]))) {
  const a = tensor(values(M * K, 1), ta ? [K, M] : [M, K]);
  const b = tensor(values(K * N, 2), tb ? [N, K] : [K, N]);
  const configs = [null, ...tiles];
  const cpu = configs.map(() => 0);
  for (const t of configs) {
    tileTuning.force = t;
    gemmKernel(a, b, { transA: ta, transB: tb }).dispose(); // compile
    await runtime().sync();
  }
  for (let round = 0; round < 3; round++) {
    for (const [i, t] of configs.entries()) {
      tileTuning.force = t;
      const c0 = workerCpuMs();
      gemmKernel(a, b, { transA: ta, transB: tb }).dispose();
      await runtime().sync();
      cpu[i] += (workerCpuMs() - c0) / 3;
    }
  }
  const line = configs.map((t, i) => `${t ? `${t.wgX}x${t.wgY}` : 'auto'} ${cpu[i].toFixed(0)}ms ${((2 * M * N * K) / cpu[i] / 1e6).toFixed(2)}`);
  console.log(`${name}: ${line.join(' | ')}`);
  a.dispose();
  b.dispose();
}
await release();
process.exit(0);
