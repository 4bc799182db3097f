import { runtime } from '../../device/current.js';
import { declareKernel } from '../../runtime/kernel.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Binding } from '../../runtime/runtime.js';
import { uniformLayout } from '../../runtime/wgsl-struct.js';
import { BIAS_MODES, GEMM_BIAS_CODES, GEMM_PARAMS, type BiasMode } from './gemm-params.js';
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
}

/**
 * An operand as its texture holds it: `height` rows of `width` texels, texel (c, r) holding
 * X(r, 4c..4c+3) of the R×C matrix X whose element (r, col) the tensor stores at off + r·ld + col
 * (transposed: at off + col·ld + r).
 */
interface Packing {
  x: Tensor;
  R: number;
  C: number;
  ld: number;
  off: number;
  transposed: boolean;
  width: number;
  height: number;
}

type Shape = Pick<TextureProduct, 'a' | 'b' | 'M' | 'N' | 'K' | 'transA' | 'transB'>;

/** The operands' packings for the products' k from k0 to k0 + kLen. */
function packings(p: Shape, k0: number, kLen: number): [Packing, Packing] {
  const k4 = Math.ceil(kLen / 4);
  const lda = p.a.shape[p.a.rank - 1];
  const ldb = p.b.shape[p.b.rank - 1];
  // A texel (k/4, m) holds A(m, k..k+3); B texel (n/4, k) holds B(k, n..n+3), with B's rows
  // rounded up to a multiple of 4 (zeros).
  return [
    { x: p.a, R: p.M, C: kLen, ld: lda, off: p.transA ? k0 * lda : k0, transposed: p.transA, width: k4, height: p.M },
    { x: p.b, R: kLen, C: p.N, ld: ldb, off: p.transB ? k0 : k0 * ldb, transposed: p.transB, width: Math.ceil(p.N / 4), height: 4 * k4 },
  ];
}

/** Floats in 256 bytes: copies into textures take rows whose pitch is a multiple of it. */
const COPY_ROW_FLOATS = 64;

/**
 * Rows that a copy can move into the texture: whole texels, a row pitch that is a multiple of 256
 * bytes, a start on a texel, and no rows of zeros to add.
 */
const copyable = (k: Packing): boolean =>
  !k.transposed && k.C % 4 === 0 && k.ld % COPY_ROW_FLOATS === 0 && k.off % 4 === 0 && k.height === k.R;

/**
 * The row length, at least `n` floats, that lets products on textures copy an operand's rows
 * instead of packing them (a copy costs a sixth of a pack); n itself on other kernels.
 * A caller that lays out its own operands (a convolution's wide matrices) pads its rows to it, zeros past n.
 */
export function copyableRowLength(n: number): number {
  return runtime().policy.gemm === 'texture' ? Math.ceil(n / COPY_ROW_FLOATS) * COPY_ROW_FLOATS : n;
}

/** The k of each product on textures: B's rows (k) must fit the largest texture. */
const kPanel = (): number => Math.floor(runtime().gpu.limits.maxTextureDimension2D / 4) * 4;

/**
 * What readying one element of an operand costs, in the multiply-adds whose savings on textures
 * repay it (an element of A takes part in N of them, one of B in M): the ratios of the copy, pack
 * and transposed-pack times to the texture kernel's saving per multiply-add, measured on lavapipe
 * (bench/RESULTS.md).
 */
const COST = { copy: 5, pack: 30, packTransposed: 45, storeTransposed: 30 };


const readyCost = (k: Packing): number => k.R * k.C * (copyable(k) ? COST.copy : k.transposed ? COST.packTransposed : COST.pack);

/** A product as gemm_texture.wgsl runs it: C itself, or Cᵀ = op(b)ᵀ·op(a)ᵀ stored transposed. */
export interface TexturePlan extends TextureProduct {
  transposeOut: boolean;
}

/** A bias per column of C is one per row of Cᵀ, and the other way round. */
const TRANSPOSED_BIAS: Record<BiasMode, BiasMode> = {
  [BIAS_MODES.none]: BIAS_MODES.none,
  [BIAS_MODES.perColumn]: BIAS_MODES.perRow,
  [BIAS_MODES.perRow]: BIAS_MODES.perColumn,
};

function transposed(p: TextureProduct): TexturePlan {
  return {
    ...p, a: p.b, b: p.a, transA: !p.transB, transB: !p.transA, M: p.N, N: p.M,
    biasMode: TRANSPOSED_BIAS[p.biasMode], transposeOut: true,
  };
}

const planCost = (q: TexturePlan): number => {
  const [a, b] = packings(q, 0, q.K);
  return runtime().policy.textureGemm.costScale * (readyCost(a) + readyCost(b) + (q.transposeOut ? q.M * q.N * COST.storeTransposed : 0));
};

/**
 * How gemm_texture.wgsl should run a 2-D product, or null where it should not: the orientation
 * whose operands cost less to ready, if the savings repay that, its textures fit the device's
 * largest and every buffer fits one storage binding.
 */
export function planTextureGemm(p: TextureProduct, bindingLimit: number): TexturePlan | null {
  if (p.K === 0 || ![p.a, p.b, p.out].every((t) => t.buffer.size <= bindingLimit)) return null;
  const maxDim = runtime().gpu.limits.maxTextureDimension2D;
  const fits = (q: TexturePlan) => q.M <= maxDim && Math.ceil(q.N / 4) <= maxDim;
  const { orientation } = runtime().policy.textureGemm;
  const plans = [{ ...p, transposeOut: false }, transposed(p)]
    .filter((q) => fits(q) && (orientation === null || orientation === (q.transposeOut ? 'transposed' : 'normal')))
    .sort((x, y) => planCost(x) - planCost(y));
  return plans.length && planCost(plans[0]) < p.M * p.N * p.K ? plans[0] : null;
}

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
  const [texA, texB] = packings(p, k0, kLen).map(ready);
  const tile = chooseTile('texture', p.M, p.N);
  const vecOut = p.N % 4 === 0 && !p.transposeOut;
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
    offO: 0,
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

/** The operand's texture, copied where its rows allow, else packed by gemm_pack.wgsl. */
function ready(k: Packing): GPUTexture {
  const rt = runtime();
  const texture = rt.textures.acquire(k.width, k.height);
  if (copyable(k)) {
    rt.copyToTexture(k.x.buffer, 4 * k.off, 4 * k.ld, texture);
    return texture;
  }
  const u = GEMM_PACK_PARAMS.pack({ R: k.R, C: k.C, ld: k.ld, off: k.off, transposed: k.transposed ? 1 : 0, width: k.width, height: k.height });
  rt.dispatch(
    GEMM_PACK.spec('main', { WG_X: PACK_WG_X, WG_Y: PACK_WG_Y }),
    { uniforms: u, buffers: [k.x.buffer, { view: texture.createView() }], workgroups: [Math.ceil(k.width / PACK_WG_X), Math.ceil(k.height / PACK_WG_Y), 1] },
  );
  return texture;
}
