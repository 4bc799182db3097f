// The texture GEMM on views: operands read from, and the product written to, element offsets
// inside larger buffers (Winograd's per-point products on its [α², rows, cols] tensors).
import { beforeAll, describe, expect } from 'vitest';
import { tensor } from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { BIAS_MODES } from '../../src/kernels/gemm/gemm-params.js';
import { oriented, textureGemm, textureLimits, textureShape, type TextureProduct } from '../../src/kernels/gemm/gemm-texture.js';
import { planTextureGemm } from '../../src/kernels/gemm/gemm-texture-plan.js';
import { gemmLimits } from '../../src/kernels/gemm/gemm.js';
import { asF32, expectClose, itWithPolicy, randomValues, setupDevice } from '../helpers.js';
import { reference, label, type Case } from './gemm-check.js';

beforeAll(setupDevice);

/** A product whose A, B and output start offA, offB, offO elements into their buffers, with `tail` elements after each. */
interface ViewCase extends Case {
  offA: number;
  offB: number;
  offO: number;
}

/** A [rows, ld] tensor of random values (or, for the output, NaN), long enough for `len` elements from `off` and a few after. */
function stored(off: number, len: number, ld: number, seed: number | null): { t: Tensor; values: Float64Array | null } {
  const shape = [Math.ceil((off + len + 5) / ld), ld];
  if (seed === null) return { t: Tensor.empty(shape), values: null };
  const values = asF32(randomValues(shape[0] * ld, seed));
  return { t: tensor(values, shape), values };
}

async function checkView(c: ViewCase, transposeOut: boolean): Promise<void> {
  const { M, N, K } = c;
  const A = stored(c.offA, M * K, c.transA ? M : K, 11);
  const B = stored(c.offB, K * N, c.transB ? K : N, 12);
  // Poisoned with NaN (setupDevice): what the product does not write stays NaN.
  const O = stored(c.offO, M * N, N, null);
  const product: TextureProduct = {
    a: A.t, b: B.t, out: O.t, transA: !!c.transA, transB: !!c.transB, M, N, K,
    biasMode: BIAS_MODES.none, biasBuffer: { buffer: A.t.buffer, offset: 0, size: 16 }, relu: false,
    offA: c.offA, offB: c.offB, offO: c.offO,
  };
  const plan = planTextureGemm(textureShape(product), textureLimits(gemmLimits().bindingLimit));
  expect(plan).toEqual({ transposeOut });
  textureGemm(oriented(product, plan!));
  const got = await O.t.toArray();
  const want = reference(c, A.values!.subarray(c.offA, c.offA + M * K), B.values!.subarray(c.offB, c.offB + K * N), null);
  expectClose(got.slice(c.offO, c.offO + M * N), want, 1e-4, 1e-5 * Math.sqrt(K + 1));
  expect([...got.slice(0, c.offO), ...got.slice(c.offO + M * N)].every(Number.isNaN)).toBe(true);
  for (const t of [A.t, B.t, O.t]) t.dispose();
}

describe('the texture GEMM on views (element offsets)', () => {
  // Offsets that are not multiples of the kernel's tiles (32×16) nor, for some, of a texel (4).
  const cases: ViewCase[] = [
    // Rows of 64 floats from a start on a texel: both copied; the output's start off a vec4 (stored one by one).
    { M: 37, N: 128, K: 64, offA: 4 * 37, offB: 3 * 64 * 128 + 4, offO: 5 },
    // Off a texel: packed from the offset, A stored transposed, the output at a vec4 start.
    { M: 45, N: 70, K: 33, transA: true, offA: 7, offB: 13, offO: 4 * 29 },
    { M: 50, N: 66, K: 40, transB: true, offA: 1, offB: 2 * 66 * 40 + 3, offO: 3 },
  ];
  for (const orientation of ['normal', 'transposed'] as const) {
    const itTex = itWithPolicy({ gemm: 'texture', sizing: 'cpu', textureGemm: { costScale: 0, orientation } });
    for (const c of cases) {
      itTex(`reads and writes in place for ${label(c)}, ${orientation}`, () => checkView(c, orientation === 'transposed'));
    }
  }
});
