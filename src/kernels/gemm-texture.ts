import { runtime } from '../device/current.js';
import type { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from './uniforms.js';
import type { Binding } from './runtime.js';
import { chooseTile, TILE_M, TILE_N } from './gemm-tiles.js';

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
  biasMode: number;
  biasBuffer: Binding;
  relu: boolean;
}

/**
 * What packing an element costs, in the multiply-adds whose savings repay it: each element of A
 * takes part in N of them, each of B in M, so the texture kernel pays where PACK_COST · (1/M + 1/N)
 * < 1. Measured on lavapipe with fc7's 32×4096·4096×4096: packing took 75 ms, the product 62 ms on
 * textures against 97 ms on gemm.wgsl, so one packed element costs what ~70 multiply-adds save.
 */
const PACK_COST = 70;
let packCost = PACK_COST;

/** Tests set 0 to run every product that fits on textures; null restores the measured cost. */
export function setTexturePackCost(cost: number | null): void {
  packCost = cost ?? PACK_COST;
}

/**
 * Whether gemm_texture.wgsl should take the product: one matrix each (no batch), enough reuse of
 * each operand to repay its packing, each packed operand within the device's largest 2-D texture, and
 * every buffer within one storage binding.
 */
export function textureGemmFits(M: number, N: number, K: number, buffers: readonly GPUBuffer[], bindingLimit: number): boolean {
  const maxDim = runtime().gpu.limits.maxTextureDimension2D;
  const k4 = Math.ceil(K / 4);
  return (
    K > 0 &&
    packCost * (1 / M + 1 / N) < 1 &&
    Math.max(M, Math.ceil(N / 4), 4 * k4) <= maxDim &&
    buffers.every((b) => b.size <= bindingLimit)
  );
}

/** Packs both operands into textures and runs the product on them; the textures go after submit. */
export function textureGemm(p: TextureProduct): void {
  const rt = runtime();
  const k4 = Math.ceil(p.K / 4);
  // A texel (k/4, m) holds A(m, k..k+3); B texel (n/4, k) holds B(k, n..n+3). An operand stored
  // [M, K] (A) or [K, N] (B) is read along its rows; the other way round, across them.
  const texA = pack(p.a, p.M, p.K, p.transA, k4, p.M);
  const texB = pack(p.b, p.K, p.N, p.transB, Math.ceil(p.N / 4), 4 * k4);
  const tile = chooseTile('texture', p.M, p.N);
  const vecOut = p.N % 4 === 0;
  const u = new Uniforms()
    .u32(p.M, p.N, p.K, 0)
    .u32(0, 0, p.N, p.relu ? 1 : 0)
    .u32(0, 0, 0, 0)
    .u32(0, 0, 0, p.biasMode)
    .u32(0, vecOut ? 1 : 0, 0, 0);
  rt.dispatch(
    { files: ['gemm_common', 'gemm_texture'], entry: 'main', overrides: { WG_X: tile.wgX, WG_Y: tile.wgY } },
    {
      uniforms: bytesOf(u),
      buffers: [{ view: texA.createView() }, { view: texB.createView() }, p.biasBuffer, p.out.buffer],
      workgroups: [Math.ceil(p.N / (TILE_N * tile.wgX)), Math.ceil(p.M / (TILE_M * tile.wgY)), 1],
    },
  );
  rt.retire(texA);
  rt.retire(texB);
}

/**
 * A texture of `height` rows and `width` texels whose texel (c, r) holds X(r, 4c..4c+3), X being
 * the R×C matrix that x stores (transposed: x is stored C×R), zero outside it.
 */
function pack(x: Tensor, R: number, C: number, storedTransposed: boolean, width: number, height: number): GPUTexture {
  const rt = runtime();
  const texture = rt.createTexture(width, height);
  const ld = x.shape[x.rank - 1];
  // Whole rows whose bytes are a multiple of 256 and fill the texture exactly: a plain copy.
  if (!storedTransposed && C % 64 === 0 && height === R) {
    rt.copyToTexture(x.buffer, C * 4, texture);
    return texture;
  }
  // A stored row of X is a stored column of x when x holds X transposed.
  const wholeVec4 = !storedTransposed && C % 4 === 0 && ld % 4 === 0;
  const u = new Uniforms().u32(R, C, ld, 0).u32(storedTransposed ? 1 : 0, width, height, wholeVec4 ? 1 : 0);
  rt.dispatch(
    { files: ['gemm_pack'], entry: 'main' },
    { uniforms: bytesOf(u), buffers: [x.buffer, { view: texture.createView() }], workgroups: [Math.ceil(width / 64), Math.ceil(height / 4), 1] },
  );
  return texture;
}
