import { runtime } from '../../device/current.js';
import { declareKernel } from '../../runtime/kernel.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Binding } from '../../runtime/runtime.js';
import { uniformLayout } from '../../runtime/wgsl-struct.js';
import { BIAS_MODES, GEMM_BIAS_CODES, GEMM_PARAMS, type BiasMode } from './gemm-params.js';
import { copyable, packings, TRANSPOSED_BIAS, type Packing, type TextureLimits, type TextureShape } from './gemm-texture-plan.js';
import { chooseTile, TEXTURE_TILE_M, TEXTURE_TILE_N } from './gemm-plan.js';

/** gemm_pack.wgsl's workgroup: texels along a row, rows. */
const PACK_WG_X = 64;
const PACK_WG_Y = 4;
export const GEMM_PACK_PARAMS = uniformLayout('gemm_pack', { R: 'u32', C: 'u32', ld: 'u32', off: 'u32', transposed: 'u32', width: 'u32', height: 'u32', _p: 'u32' });
const GEMM_TEXTURE = declareKernel({ file: 'gemm_texture', entries: ['main'], params: GEMM_PARAMS, constants: GEMM_BIAS_CODES });
const GEMM_PACK = declareKernel({ file: 'gemm_pack', entries: ['main'], params: GEMM_PACK_PARAMS });

/** A 2-D product for gemm_texture.wgsl: out [M, N] = op(a) · op(b) (+ bias) (relu). */
export interface TextureProduct {
  a: Tensor;
  b: Tensor;
  out: Tensor;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  /** 0 none, 1 per column, 2 per row (gemm_common.wgsl). */
  biasMode: BiasMode;
  biasBuffer: Binding;
  relu: boolean;
  /**
   * Where A, B and the output start in their buffers, in elements (0 where absent): a product on
   * views of larger tensors (one point of Winograd's [α², rows, cols] operands), read and written
   * in place. A and B are read as [rows, ld] matrices from there (ld: the tensor's last dimension).
   */
  offA?: number;
  offB?: number;
  offO?: number;
}

/** A product as gemm_texture.wgsl runs it: C itself, or Cᵀ = op(b)ᵀ·op(a)ᵀ stored transposed. */
export interface TexturePlan extends TextureProduct {
  transposeOut: boolean;
}

const ld = (t: Tensor): number => t.shape[t.rank - 1];

/** The product as the texture planner (gemm-texture-plan.ts) sees it. */
export const textureShape = (p: TextureProduct): TextureShape => ({
  M: p.M, N: p.N, K: p.K, transA: p.transA, transB: p.transB, lda: ld(p.a), ldb: ld(p.b),
  bytes: { a: p.a.buffer.size, b: p.b.buffer.size, out: p.out.buffer.size }, offA: p.offA, offB: p.offB,
});

/** The adapter's and the policy's limits the texture planner reads. */
export function textureLimits(bindingLimit: number): TextureLimits {
  const rt = runtime();
  return { bindingLimit, maxTextureDimension2D: rt.gpu.limits.maxTextureDimension2D, tuning: rt.policy.textureGemm };
}

/** The product in the orientation its plan chose. */
export function oriented(p: TextureProduct, plan: { transposeOut: boolean }): TexturePlan {
  if (!plan.transposeOut) return { ...p, transposeOut: false };
  return {
    ...p, a: p.b, b: p.a, transA: !p.transB, transB: !p.transA, M: p.N, N: p.M, offA: p.offB, offB: p.offA,
    biasMode: TRANSPOSED_BIAS[p.biasMode], transposeOut: true,
  };
}

/** The k of each product on textures: B's rows (k) must fit the largest texture. */
const kPanel = (): number => Math.floor(runtime().gpu.limits.maxTextureDimension2D / 4) * 4;

/**
 * Readies both operands as textures and runs the product on them, in ranges of k that fit a
 * texture (later ranges add to the output, the last applies the epilogue); the textures go back
 * to the runtime's pool.
 */
export function textureGemm(p: TexturePlan): void {
  const step = kPanel();
  for (let k0 = 0; k0 < p.K; k0 += step) panel(p, k0, Math.min(step, p.K - k0));
}

function panel(p: TexturePlan, k0: number, kLen: number): void {
  const rt = runtime();
  const [packA, packB] = packings({ ...p, lda: ld(p.a), ldb: ld(p.b) }, k0, kLen);
  const [texA, texB] = [ready(p.a, packA), ready(p.b, packB)];
  const tile = chooseTile('texture', p.M, p.N);
  const offO = p.offO ?? 0;
  const vecOut = p.N % 4 === 0 && offO % 4 === 0 && !p.transposeOut;
  const last = k0 + kLen === p.K;
  // The operands are textures: their leading dimensions, offsets and strides are unused.
  const u = GEMM_PARAMS.pack({
    M: p.M,
    N: p.N,
    K: kLen,
    accumulate: k0 > 0 ? 1 : 0,
    lda: 0,
    ldb: 0,
    ldo: p.transposeOut ? p.M : p.N,
    relu: last && p.relu ? 1 : 0,
    offA: 0,
    offB: 0,
    offO,
    offBias: 0,
    strideA: 0,
    strideB: 0,
    strideO: 0,
    biasMode: last ? p.biasMode : BIAS_MODES.none,
    kSplit: 0,
    vecOut: vecOut ? 1 : 0,
    transA: 0,
    transB: 0,
    wgX: tile.wgX,
  });
  rt.dispatch(
    GEMM_TEXTURE.spec('main', { TRANSPOSE_OUT: p.transposeOut ? 1 : 0 }),
    {
      uniforms: u,
      buffers: [{ view: texA.createView() }, { view: texB.createView() }, p.biasBuffer, p.out.buffer],
      workgroups: [Math.ceil(p.N / (TEXTURE_TILE_N * tile.wgX)), Math.ceil(p.M / (TEXTURE_TILE_M * tile.wgY)), 1],
    },
  );
  rt.textures.release(texA);
  rt.textures.release(texB);
}

/** The operand x's texture, copied where its rows allow, else packed by gemm_pack.wgsl. */
function ready(x: Tensor, k: Packing): GPUTexture {
  const rt = runtime();
  const texture = rt.textures.acquire(k.width, k.height);
  if (copyable(k)) {
    rt.copyToTexture(x.buffer, 4 * k.off, 4 * k.ld, texture);
    return texture;
  }
  const u = GEMM_PACK_PARAMS.pack({ R: k.R, C: k.C, ld: k.ld, off: k.off, transposed: k.transposed ? 1 : 0, width: k.width, height: k.height });
  rt.dispatch(
    GEMM_PACK.spec('main', { WG_X: PACK_WG_X, WG_Y: PACK_WG_Y }),
    { uniforms: u, buffers: [x.buffer, { view: texture.createView() }], workgroups: [Math.ceil(k.width / PACK_WG_X), Math.ceil(k.height / PACK_WG_Y), 1] },
  );
  return texture;
}
