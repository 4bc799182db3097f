import { runtime } from '../device/current.js';
import type { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from './uniforms.js';
import type { Binding } from './runtime.js';
import { chooseTile, TEXTURE_TILE } from './gemm-tiles.js';

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
 * An operand as its texture holds it: `height` rows of `width` texels, texel (c, r) holding
 * X(r, 4c..4c+3) of the R×C matrix X that the tensor stores (transposed: stored C×R).
 */
interface Packing {
  x: Tensor;
  R: number;
  C: number;
  transposed: boolean;
  width: number;
  height: number;
}

function packings(p: Pick<TextureProduct, 'a' | 'b' | 'M' | 'N' | 'K' | 'transA' | 'transB'>): [Packing, Packing] {
  const k4 = Math.ceil(p.K / 4);
  // A texel (k/4, m) holds A(m, k..k+3); B texel (n/4, k) holds B(k, n..n+3), with B's rows
  // rounded up to a multiple of 4 (zeros).
  return [
    { x: p.a, R: p.M, C: p.K, transposed: p.transA, width: k4, height: p.M },
    { x: p.b, R: p.K, C: p.N, transposed: p.transB, width: Math.ceil(p.N / 4), height: 4 * k4 },
  ];
}

/** Whole rows whose bytes are a multiple of 256 and that fill the texture exactly: a plain copy. */
const copyable = (k: Packing): boolean => !k.transposed && k.C % 64 === 0 && k.height === k.R;

/**
 * What readying one element of an operand costs, in the multiply-adds whose savings on textures
 * repay it (an element of A takes part in N of them, one of B in M). Measured on lavapipe with
 * fc7's 32×4096·4096×4096 shapes: the products ran in 55–60 ms on textures against 120–160 ms on
 * gemm.wgsl (~0.15 ns saved per multiply-add), while readying a 4096×4096 operand took ~60 ms by
 * copy, ~75 ms by packing its rows and ~125 ms by packing it transposed.
 */
const COST = { copy: 7, pack: 30, packTransposed: 50 };
let costScale = 1;

/** Tests set 0 to run every product that fits on textures; null restores the measured costs. */
export function setTexturePackingScale(scale: number | null): void {
  costScale = scale ?? 1;
}

const readyCost = (k: Packing): number => k.R * k.C * (copyable(k) ? COST.copy : k.transposed ? COST.packTransposed : COST.pack);

/**
 * Whether gemm_texture.wgsl should take a 2-D product: the savings repay readying the operands,
 * each texture is within the device's largest, and each buffer within one storage binding.
 */
export function textureGemmPays(p: Pick<TextureProduct, 'a' | 'b' | 'out' | 'M' | 'N' | 'K' | 'transA' | 'transB'>, bindingLimit: number): boolean {
  const maxDim = runtime().gpu.limits.maxTextureDimension2D;
  const ops = packings(p);
  return (
    p.K > 0 &&
    costScale * (readyCost(ops[0]) + readyCost(ops[1])) < p.M * p.N * p.K &&
    ops.every((k) => Math.max(k.width, k.height) <= maxDim) &&
    [p.a, p.b, p.out].every((t) => t.buffer.size <= bindingLimit)
  );
}

/** Readies both operands as textures and runs the product on them; the textures go after submit. */
export function textureGemm(p: TextureProduct): void {
  const rt = runtime();
  const [texA, texB] = packings(p).map(ready);
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
      workgroups: [Math.ceil(p.N / (TEXTURE_TILE * tile.wgX)), Math.ceil(p.M / (TEXTURE_TILE * tile.wgY)), 1],
    },
  );
  rt.retire(texA);
  rt.retire(texB);
}

/** The operand's texture, copied where its rows allow, else packed by gemm_pack.wgsl. */
function ready(k: Packing): GPUTexture {
  const rt = runtime();
  const texture = rt.createTexture(k.width, k.height);
  if (copyable(k)) {
    rt.copyToTexture(k.x.buffer, k.C * 4, texture);
    return texture;
  }
  const ld = k.x.shape[k.x.rank - 1];
  const u = new Uniforms().u32(k.R, k.C, ld, 0).u32(k.transposed ? 1 : 0, k.width, k.height, 0);
  rt.dispatch(
    { files: ['gemm_pack'], entry: 'main' },
    { uniforms: bytesOf(u), buffers: [k.x.buffer, { view: texture.createView() }], workgroups: [Math.ceil(k.width / 64), Math.ceil(k.height / 4), 1] },
  );
  return texture;
}
