import { BIAS_MODES, type BiasMode } from './gemm-params.js';
import type { GemmVariant, TextureGemmTuning } from '../../runtime/policy.js';

/**
 * How gemm_texture.wgsl would run a 2-D product, decided without a device (as gemm-plan.ts decides
 * the storage-buffer GEMMs): which orientation, whether its operands are copied or packed into
 * textures, and whether that pays at all.
 */

/** A 2-D product out [M, N] = op(A) · op(B) as the texture GEMM sees it: shapes, leading dimensions, buffer sizes. */
export interface TextureShape {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  /** Elements per stored row of A and of B. */
  lda: number;
  ldb: number;
  /** Bytes of the buffers of A, B and the output, each bound whole. */
  bytes: { a: number; b: number; out: number };
  /** Where A and B start in their buffers, in elements (0 where absent): a product on views of larger tensors. */
  offA?: number;
  offB?: number;
}

/** The adapter's limits and the policy's costs the texture plan reads. */
export interface TextureLimits {
  bindingLimit: number;
  maxTextureDimension2D: number;
  tuning: TextureGemmTuning;
}

/**
 * An operand as its texture holds it: `height` rows of `width` texels, texel (c, r) holding
 * X(r, 4c..4c+3) of the R×C matrix X whose element (r, col) the buffer stores at off + r·ld + col
 * (transposed: at off + col·ld + r).
 */
export interface Packing {
  R: number;
  C: number;
  ld: number;
  off: number;
  transposed: boolean;
  width: number;
  height: number;
}

/** The operands' packings (A, then B) for the product's k from k0 to k0 + kLen. */
export function packings(p: Omit<TextureShape, 'bytes'>, k0: number, kLen: number): [Packing, Packing] {
  const k4 = Math.ceil(kLen / 4);
  // A texel (k/4, m) holds A(m, k..k+3); B texel (n/4, k) holds B(k, n..n+3), with B's rows
  // rounded up to a multiple of 4 (zeros).
  return [
    { R: p.M, C: kLen, ld: p.lda, off: (p.offA ?? 0) + (p.transA ? k0 * p.lda : k0), transposed: p.transA, width: k4, height: p.M },
    { R: kLen, C: p.N, ld: p.ldb, off: (p.offB ?? 0) + (p.transB ? k0 : k0 * p.ldb), transposed: p.transB, width: Math.ceil(p.N / 4), height: 4 * k4 },
  ];
}

/** Floats in 256 bytes: copies into textures take rows whose pitch is a multiple of it. */
const COPY_ROW_FLOATS = 64;

/**
 * Rows that a copy can move into the texture: whole texels, a row pitch that is a multiple of 256
 * bytes, a start on a texel, and no rows of zeros to add.
 */
export const copyable = (k: Packing): boolean =>
  !k.transposed && k.C % 4 === 0 && k.ld % COPY_ROW_FLOATS === 0 && k.off % 4 === 0 && k.height === k.R;

/**
 * The row length, at least `n` floats, that lets products on textures (the `texture` GEMM variant)
 * copy an operand's rows instead of packing them (a copy costs a sixth of a pack); n itself on
 * other kernels. A caller that lays out its own operands (a convolution's wide matrices) pads its
 * rows to it, zeros past n.
 */
export const copyableRowLength = (n: number, variant: GemmVariant): number => (variant === 'texture' ? Math.ceil(n / COPY_ROW_FLOATS) * COPY_ROW_FLOATS : n);

/**
 * What readying one element of an operand costs, in the multiply-adds whose savings on textures
 * repay it (an element of A takes part in N of them, one of B in M): the ratios of the copy, pack
 * and transposed-pack times to the texture kernel's saving per multiply-add, measured on lavapipe
 * (bench/RESULTS.md).
 */
const COST = { copy: 5, pack: 30, packTransposed: 45, storeTransposed: 30 };

const readyCost = (k: Packing): number => k.R * k.C * (copyable(k) ? COST.copy : k.transposed ? COST.packTransposed : COST.pack);

/** A bias per column of C is one per row of Cᵀ, and the other way round. */
export const TRANSPOSED_BIAS: Record<BiasMode, BiasMode> = {
  [BIAS_MODES.none]: BIAS_MODES.none,
  [BIAS_MODES.perColumn]: BIAS_MODES.perRow,
  [BIAS_MODES.perRow]: BIAS_MODES.perColumn,
};

/** The product as gemm_texture.wgsl runs Cᵀ = op(B)ᵀ·op(A)ᵀ, stored transposed. */
export const transposedShape = <S extends Omit<TextureShape, 'bytes'>>(p: S): S => ({
  ...p, M: p.N, N: p.M, transA: !p.transB, transB: !p.transA, lda: p.ldb, ldb: p.lda, offA: p.offB, offB: p.offA,
});

/**
 * How gemm_texture.wgsl should run the product, or null where it should not: the orientation
 * (C itself, or Cᵀ stored transposed: `transposeOut`) whose operands cost less to ready, if the
 * savings repay that, its textures fit the device's largest and every buffer fits one binding.
 */
export function planTextureGemm(p: TextureShape, limits: TextureLimits): { transposeOut: boolean } | null {
  if (p.K === 0 || ![p.bytes.a, p.bytes.b, p.bytes.out].every((b) => b <= limits.bindingLimit)) return null;
  const maxDim = limits.maxTextureDimension2D;
  const { orientation, costScale } = limits.tuning;
  const cost = (q: Omit<TextureShape, 'bytes'>, transposeOut: boolean): number => {
    const [a, b] = packings(q, 0, q.K);
    return costScale * (readyCost(a) + readyCost(b) + (transposeOut ? q.M * q.N * COST.storeTransposed : 0));
  };
  const plans = [
    { shape: p, transposeOut: false },
    { shape: transposedShape(p), transposeOut: true },
  ]
    .filter(({ shape, transposeOut }) => shape.M <= maxDim && Math.ceil(shape.N / 4) <= maxDim && (orientation === null || orientation === (transposeOut ? 'transposed' : 'normal')))
    .map((q) => ({ ...q, cost: cost(q.shape, q.transposeOut) }))
    .sort((x, y) => x.cost - y.cost);
  return plans.length && plans[0].cost < p.M * p.N * p.K ? { transposeOut: plans[0].transposeOut } : null;
}
