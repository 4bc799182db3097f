import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { binaryKernel, fillKernel, planBroadcast } from './elementwise.js';
import { gemmKernel, gemmLimits } from './gemm/gemm.js';
import { BIAS_MODES } from './gemm/gemm-params.js';
import { oriented, textureGemm, textureLimits, textureShape, type TextureProduct } from './gemm/gemm-texture.js';
import { copyableRowLength, planTextureGemm } from './gemm/gemm-texture-plan.js';
import { bindableIn, bindingLimits, type BindingLimits } from './ranges.js';
import type { GemmVariant } from '../runtime/policy.js';
import type { ConvGeometry, ConvGrads, ConvGradsWanted } from './window-geometry.js';
import { conv2dBiasGradKernel } from './conv-implicit.js';
import {
  chooseWinogradTile, forwardProblem, inputGradProblem, planWinograd, winogradApplies,
  type WinogradLimits, type WinogradPlan, type WinogradProblem, type WinogradTile,
} from './winograd-plan.js';
import { dataTransform, filterGradTransform, filterTransform, outputTransform } from './winograd-transforms.js';

/**
 * conv2d as Winograd F(m×m, 3×3) (conv: 'winograd'): the filter and each chunk's tiles are
 * transformed (winograd-transforms.ts), the α² transform points multiplied as GEMMs over channels,
 * and the products transformed back into output tiles with the bias and ReLU. The forward, the
 * input gradient (the output gradient convolved with the flipped filter) and the weight gradient
 * (the transposed chain: Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)] G) all run so.
 */

/** The plans of a convolution's passes on one tile: the forward's (which the weight gradient shares) and the input gradient's. */
export interface WinogradPlans {
  tile: WinogradTile;
  forward: WinogradPlan;
  inputGrad: WinogradPlan;
}

/** The adapter's limits as the planner takes them. */
export function winogradLimits(limits: BindingLimits = bindingLimits(), gemm: GemmVariant = runtime().policy.gemm): WinogradLimits {
  return { bindingElements: bindableIn(limits), rowMultiple: copyableRowLength(1, gemm) };
}

/** The tile conv2d runs this geometry on (chooseWinogradTile), or null where Winograd does not apply or pay. */
export const winogradTile = (g: ConvGeometry): WinogradTile | null => chooseWinogradTile(g);

/**
 * The plan of each pass on this geometry, on `tile` (by default conv2d's choice), or null where
 * Winograd does not apply or pay, or a pass does not fit (then another form runs).
 */
export function winogradPlans(g: ConvGeometry, tile: WinogradTile | null = winogradTile(g), limits: WinogradLimits = winogradLimits()): WinogradPlans | null {
  if (tile === null || !winogradApplies(g)) return null;
  const forward = planWinograd(forwardProblem(g, tile), limits);
  const inputGrad = planWinograd(inputGradProblem(g, tile), limits);
  return forward && inputGrad ? { tile, forward, inputGrad } : null;
}

/**
 * The α² products a[ξ] · op(b[ξ]) as [α², M, N]: one batched GEMM, or on the texture GEMM (which
 * takes no batch: lavapipe's default, where its 2-D products run about 3× faster than the batched
 * gemm.wgsl) one 2-D product per point, read from and written into the points' slices in place.
 */
function products(a: Tensor, b: Tensor, transB: boolean): Tensor {
  const [count, M, K] = a.shape;
  const N = transB ? b.shape[1] : b.shape[2];
  if (runtime().policy.gemm === 'texture' && count * M * N > 0) {
    const out = Tensor.empty([count, M, N]);
    const at = (xi: number): TextureProduct => ({
      a, b, out, transA: false, transB, M, N, K, biasMode: BIAS_MODES.none, biasBuffer: { buffer: a.buffer, offset: 0, size: 16 }, relu: false,
      offA: xi * M * K, offB: xi * b.shape[1] * b.shape[2], offO: xi * M * N,
    });
    const limits = textureLimits(gemmLimits().bindingLimit);
    const points = Array.from({ length: count }, (_, xi) => {
      const product = at(xi);
      return { product, plan: planTextureGemm(textureShape(product), limits) };
    });
    if (points.every((q) => q.plan !== null)) {
      for (const q of points) textureGemm(oriented(q.product, q.plan!));
      return out;
    }
    out.dispose();
  }
  return gemmKernel(a, b, { transB });
}

/** The convolution of `data` by the transformed filter u [α², outC, ch] into a new [n, outC, oh, ow]. */
function convolve(data: Tensor, u: Tensor, bias: Tensor | null, relu: boolean, p: WinogradProblem, plan: WinogradPlan): Tensor {
  const out = Tensor.empty([p.n, p.outC, p.oh, p.ow]);
  if (out.size === 0) return out;
  for (const c of plan.chunks) {
    const v = dataTransform(data, p, plan, c, false);
    const m = products(u, v, false);
    v.dispose();
    outputTransform(m, bias, relu, out, p, plan, c);
    m.dispose();
  }
  return out;
}

/** out [n, cout, oh, ow] = conv2d(x, weight) (+ bias) (ReLU), for a geometry and tile winogradPlans() accepts. */
export function winogradConv2dKernel(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, relu = false, tile = winogradTile(g)!, plans = winogradPlans(g, tile)!): Tensor {
  const p = forwardProblem(g, tile);
  const u = filterTransform(weight, p, plans.forward, false);
  const out = convolve(x, u, bias, relu, p, plans.forward);
  u.dispose();
  return out;
}

/** x's gradient [n, c, h, w]: the output gradient convolved with the transposed filter rotated by 180°. */
function inputGrad(weight: Tensor, grad: Tensor, g: ConvGeometry, plan: WinogradPlan, tile: WinogradTile): Tensor {
  const p = inputGradProblem(g, tile);
  const u = filterTransform(weight, p, plan, true);
  const gx = convolve(grad, u, null, false, p, plan);
  u.dispose();
  return gx;
}

/** The weight's gradient [cout, c, 3, 3]: per chunk, Σ over tiles of (A dY Aᵀ)[ξ] · (Bᵀ d B)[ξ]ᵀ, then Gᵀ · G. */
function weightGrad(x: Tensor, grad: Tensor, g: ConvGeometry, plan: WinogradPlan, tile: WinogradTile): Tensor {
  const p = forwardProblem(g, tile);
  let sum: Tensor | null = null;
  for (const c of plan.chunks) {
    const v = dataTransform(x, p, plan, c, false);
    const z = dataTransform(grad, p, plan, c, true);
    const dU = products(z, v, true);
    v.dispose();
    z.dispose();
    if (!sum) {
      sum = dU;
    } else {
      const next = binaryKernel('add', sum, dU, planBroadcast('add', sum.shape, dU.shape, sum.shape, bindingLimits()));
      sum.dispose();
      dU.dispose();
      sum = next;
    }
  }
  if (!sum) {
    // No tiles (an empty batch): zeros, as the sum over none.
    sum = fillKernel([plan.alpha * plan.alpha, g.cout, g.c], 0, 0);
  }
  const gw = filterGradTransform(sum, p, plan);
  sum.dispose();
  return gw;
}

/** conv2d's gradients, those asked for, for a geometry and tile winogradPlans() accepts. */
export function winogradBackwardKernel(x: Tensor, weight: Tensor, grad: Tensor, g: ConvGeometry, want: ConvGradsWanted, tile = winogradTile(g)!, plans = winogradPlans(g, tile)!): ConvGrads {
  return {
    gx: want.x ? inputGrad(weight, grad, g, plans.inputGrad, tile) : null,
    gw: want.weight ? weightGrad(x, grad, g, plans.forward, tile) : null,
    gb: want.bias ? conv2dBiasGradKernel(grad, g) : null,
  };
}
