import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, init, release, tensor } from '../../src/node.js';
import { init as browserInit } from '../../src/index.js';
import { gemmKernel } from '../../src/kernels/gemm/gemm.js';
import { asF32, expectClose, randomValues } from '../helpers.js';

// Dawn's robustness transform off (the Node entry's init({ robustness: false })): the kernels must
// give the same answers without its clamps, and the choice is the process's first init()'s.
describe('init({ robustness: false })', () => {
  beforeAll(async () => {
    await init({ robustness: false, gemm: 'workgroup', conv: 'implicit', autotune: false, poison: true });
  });
  afterAll(release);

  it.each([
    ['64x64x16/4x4', 67, 45, 131],
    ['128x128x8/8x8', 128, 256, 24],
  ])('gemm_workgroup %s matches float64 on %ix%ix%i', async (config, M, N, K) => {
    const A = asF32(randomValues(M * K, 1));
    const B = asF32(randomValues(K * N, 2));
    const a = tensor(A, [M, K]);
    const b = tensor(B, [K, N]);
    const out = gemmKernel(a, b, { config });
    const expected = new Float64Array(M * N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[m * K + k] * B[k * N + n];
      expected[m * N + n] = s;
    }
    expectClose(await out.toArray(), expected, 1e-5, 1e-5);
    for (const t of [a, b, out]) t.dispose();
  });

  it('runs the implicit convolution as with the clamps (5×5, stride 2, padding 1, sizes off its tiles)', async () => {
    const [N, C, H, W, O, k] = [2, 3, 9, 11, 5, 5];
    const X = asF32(randomValues(N * C * H * W, 3));
    const Wt = asF32(randomValues(O * C * k * k, 4));
    const x = tensor(X, [N, C, H, W]);
    const w = tensor(Wt, [O, C, k, k]);
    const y = conv2d(x, w, undefined, { stride: 2, padding: 1 });
    const [OH, OW] = [Math.floor((H + 2 - k) / 2) + 1, Math.floor((W + 2 - k) / 2) + 1];
    expect(y.shape).toEqual([N, O, OH, OW]);
    const expected = new Float64Array(N * O * OH * OW);
    for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
      let s = 0;
      for (let c = 0; c < C; c++) for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) {
        const [r, q] = [i * 2 - 1 + u, j * 2 - 1 + v];
        if (r >= 0 && r < H && q >= 0 && q < W) s += X[((n * C + c) * H + r) * W + q] * Wt[((o * C + c) * k + u) * k + v];
      }
      expected[((n * O + o) * OH + i) * OW + j] = s;
    }
    expectClose(await y.toArray(), expected, 1e-5, 1e-5);
    for (const t of [x, w, y]) t.dispose();
  });

  it("refuses another choice later in the process, naming both (Dawn's instance is made once)", async () => {
    await release();
    await expect(init({ robustness: true })).rejects.toThrow(/started in this process with .*disable_robustness.*cannot be started again/);
    await expect(init({})).rejects.toThrow(/robustness is decided by the first init\(\) of a process/);
    await init({ robustness: false, autotune: false });
  });

  it('takes only a boolean, only for the GPU it makes, and only in Node', async () => {
    await release();
    await expect(init({ robustness: 'off' as unknown as boolean })).rejects.toThrow(/robustness must be true or false, got "off"/);
    await expect(init({ robustness: false, gpu: {} as GPU })).rejects.toThrow(/not to one given as gpu/);
    await expect(browserInit({ robustness: false })).rejects.toThrow(/an option of the Node entry's init\(\)/);
  });
});
