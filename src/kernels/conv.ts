import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor, view } from '../tensor/tensor.js';
import { conv2dBiasGradKernel, conv2dImplicitKernel, conv2dInputGradKernel, conv2dWeightGradKernel, implicitConvFits, implicitInputGradPays } from './conv-implicit.js';
import type { KernelPolicy } from '../runtime/policy.js';
import { binaryKernel, planBroadcast, unaryKernel } from './elementwise.js';
import { gemmKernel } from './gemm/gemm.js';
import { copyableRowLength } from './gemm/gemm-texture-plan.js';
import { reduceKernel } from './reduce.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { Binding } from '../runtime/runtime.js';
import { bindableIn, bindingLimits, BindingLimitError, fitsOneBinding, limitText, rangeBinding, type BindingLimits } from './ranges.js';
import type { ConvGeometry, ConvGrads, ConvGradsWanted } from './window-geometry.js';
import { winogradBackwardKernel, winogradConv2dKernel, winogradLimits, winogradPlans, type WinogradPlans } from './winograd.js';
import { fmt } from '../tensor/shape.js';

export type { ConvGeometry, ConvGrads, ConvGradsWanted };

/** im2col and col2im run one invocation per row of OW (or W) elements. */
const WORKGROUP = 64;

/** fromWide and toWide's grid: x covers L in blocks of WORKGROUP, y the channel, z the sample. */
const wideGrid = (g: ConvGeometry, nb: number): [number, number, number] => [Math.ceil((g.oh * g.ow) / WORKGROUP), g.cout, nb];

/** The most bytes of one chunk's column matrix: a storage binding, or less where the policy says (convChunkBytes). */
const chunkLimitOf = (limits: BindingLimits, policy: ConvPolicy): number => Math.min(limits.maxBinding, policy.convChunkBytes ?? Infinity);
const chunkLimit = (): number => chunkLimitOf(bindingLimits(), runtime().policy);

/**
 * How far apart the rows of a chunk's wide matrices are, for nb samples: nb·L, padded to the row
 * length the GEMM copies into textures rather than packs, while that fits a storage binding.
 */
function wideStride(g: ConvGeometry, nb: number): number {
  const width = nb * g.oh * g.ow;
  const padded = copyableRowLength(width, runtime().policy.gemm);
  return 4 * Math.max(g.c * g.kh * g.kw, g.cout) * padded <= chunkLimit() ? padded : width;
}

/**
 * Samples per chunk: the column matrix [c·kh·kw, nb·L] and the wide output [cout, nb·L] must each
 * fit one storage binding (conv1 of AlexNet at batch 128 would need 562 MB of columns), and so must
 * the chunk's samples of x and of the output, which are bound alone when the whole is larger.
 */
export function samplesPerChunk(g: ConvGeometry, limits: BindingLimits = bindingLimits(), policy: ConvPolicy = runtime().policy): number {
  const perSample = 4 * Math.max(g.c * g.kh * g.kw, g.cout) * g.oh * g.ow;
  const nchw = Math.max(g.c * g.h * g.w, g.cout * g.oh * g.ow);
  // The sample index is the z of a dispatch grid, at most 65,535.
  return Math.max(1, Math.min(g.n, 65_535, Math.floor(chunkLimitOf(limits, policy) / perSample), Math.floor(bindableIn(limits) / nchw)));
}

/**
 * Samples n0 .. n0+nb of an NCHW tensor t of `per` elements a sample: the whole buffer where it fits
 * one binding, else the chunk's range; `base` is where sample n0 starts in the binding.
 */
function samples(t: Tensor, per: number, n0: number, nb: number): { binding: Binding; base: number } {
  return fitsOneBinding(t.size) ? { binding: t.buffer, base: n0 * per } : rangeBinding(t.buffer, n0 * per, nb * per);
}

export const CONV_PARAMS = uniformLayout('conv', {
  total: 'u32', c: 'u32', h: 'u32', w: 'u32',
  oh: 'u32', ow: 'u32', kh: 'u32', kw: 'u32',
  sh: 'u32', sw: 'u32', ph: 'u32', pw: 'u32',
  nb: 'u32', base: 'u32', ld: 'u32', _p1: 'u32',
});

const CONV = declareKernel({ file: 'conv', entries: ['im2col', 'im2colElements', 'col2im', 'fromWide', 'toWide'], params: CONV_PARAMS, workgroup: WORKGROUP });

function params(g: ConvGeometry, total: number, c: number, h: number, w: number, base: number, nb: number): Uint8Array {
  const { oh, ow, kh, kw, sh, sw, ph, pw } = g;
  return CONV_PARAMS.pack({ total, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, nb, base, ld: wideStride(g, nb) });
}

/** The wide column matrix [c·kh·kw, wideStride] of samples n0 .. n0+nb of x (zero past nb·oh·ow). */
export function im2colKernel(x: Tensor, g: ConvGeometry, n0: number, nb: number): Tensor {
  const cols = Tensor.empty([g.c * g.kh * g.kw, wideStride(g, nb)]);
  if (cols.size === 0) return cols;
  const rows = g.c * g.kh * g.kw * nb * g.oh;
  // GPUs get the coalesced form; CPU adapters the one that divides less.
  const total = runtime().policy.sizing === 'cpu' ? rows : rows * g.ow;
  const xs = samples(x, g.c * g.h * g.w, n0, nb);
  runtime().dispatch(
    CONV.spec(total === rows ? 'im2col' : 'im2colElements'),
    { uniforms: params(g, total, g.c, g.h, g.w, xs.base, nb), buffers: [xs.binding, cols.buffer], workgroups: Math.ceil(total / WORKGROUP) },
  );
  return cols;
}

/** Writes the input gradient of samples n0 .. n0+nb into gx from the wide column gradient. */
function col2imKernel(gcols: Tensor, gx: Tensor, g: ConvGeometry, n0: number, nb: number): void {
  const total = nb * g.c * g.h;
  if (total === 0 || g.w === 0) return;
  const gxs = samples(gx, g.c * g.h * g.w, n0, nb);
  runtime().dispatch(
    CONV.spec('col2im'),
    { uniforms: params(g, total, g.c, g.h, g.w, gxs.base, nb), buffers: [gcols.buffer, gxs.binding], workgroups: Math.ceil(total / WORKGROUP) },
  );
}

/** Copies wide [cout, wideStride] into samples n0 .. n0+nb of out [n, cout, L]. */
function fromWideKernel(wide: Tensor, out: Tensor, g: ConvGeometry, n0: number, nb: number): void {
  if (wide.size === 0) return;
  const outs = samples(out, g.cout * g.oh * g.ow, n0, nb);
  runtime().dispatch(
    CONV.spec('fromWide'),
    { uniforms: params(g, 0, g.cout, g.oh, g.ow, outs.base, nb), buffers: [wide.buffer, outs.binding], workgroups: wideGrid(g, nb) },
  );
}

/** Samples n0 .. n0+nb of grad [n, cout, L] as wide [cout, wideStride] (zero past nb·L). */
function toWideKernel(grad: Tensor, g: ConvGeometry, n0: number, nb: number): Tensor {
  const wide = Tensor.empty([g.cout, wideStride(g, nb)]);
  if (wide.size === 0) return wide;
  const grads = samples(grad, g.cout * g.oh * g.ow, n0, nb);
  runtime().dispatch(
    CONV.spec('toWide'),
    { uniforms: params(g, 0, g.cout, g.oh, g.ow, grads.base, nb), buffers: [grads.binding, wide.buffer], workgroups: wideGrid(g, nb) },
  );
  return wide;
}

/** What of the policy a conv2d plan reads. */
export type ConvPolicy = Pick<KernelPolicy, 'conv' | 'convChunkBytes' | 'sizing' | 'gemm'>;

/**
 * How one conv2d runs, decided once: the forward (and the weight and bias gradients) as implicit
 * GEMMs, or on column matrices chunk by chunk; the input gradient likewise, or on columns where its
 * implicit GEMM would not pay (strided or narrow convolutions); the column form's chunks of samples.
 */
export interface ConvPlan {
  /** Winograd's plans where the policy asks for it and it applies, pays and fits (then the rest is unused). */
  winograd: WinogradPlans | null;
  implicit: boolean;
  implicitInputGrad: boolean;
  /** Chunks [n0, nb] of samples for what runs on columns. */
  chunks: [n0: number, nb: number][];
}

/**
 * Plans conv2d: implicit GEMMs where the policy says and their tensors fit one binding each, else
 * columns. `inputGrad`: the backward will want x's gradient. Refuses, before any GPU work, a
 * convolution whose column path cannot fit one sample in a storage binding: chunks hold whole
 * samples, so one sample's column matrix [c·kh·kw, oh·ow] (and its wide output) must fit, and so
 * must one sample of x and of the output where the whole does not. `what` names the op.
 */
export function planConv2d(what: string, g: ConvGeometry, inputGrad: boolean, limits: BindingLimits, policy: ConvPolicy): ConvPlan {
  const winograd = policy.conv === 'winograd' ? winogradPlans(g, undefined, winogradLimits(limits, policy.gemm)) : null;
  if (winograd) return { winograd, implicit: false, implicitInputGrad: false, chunks: [] };
  // Under 'winograd', what it does not run takes the adapter's other form: implicit GEMMs on GPUs, columns on CPUs.
  const implicitForm = policy.conv === 'implicit' || (policy.conv === 'winograd' && policy.sizing === 'gpu');
  const implicit = implicitForm && implicitConvFits(g, limits.maxBinding);
  const implicitInputGrad = implicit && implicitInputGradPays(g);
  const columns = !implicit || (inputGrad && !implicitInputGrad);
  if (columns && g.n > 0) {
    const shapes = `x ${fmt([g.n, g.c, g.h, g.w])}, weight ${fmt([g.cout, g.c, g.kh, g.kw])}`;
    const perSample = 4 * Math.max(g.c * g.kh * g.kw, g.cout) * g.oh * g.ow;
    if (perSample > chunkLimitOf(limits, policy)) {
      throw new BindingLimitError(
        `webgrad: ${what}: one sample's column matrix (${Math.max(g.c * g.kh * g.kw, g.cout)} × ${g.oh * g.ow} floats, ${perSample} bytes; ${shapes}) ` +
          `is larger than one storage binding (${limitText(limits)}) or the policy's convChunkBytes; use smaller images or fewer channels`,
      );
    }
    const nchw = Math.max(g.c * g.h * g.w, g.cout * g.oh * g.ow);
    if (nchw > bindableIn(limits) && Math.max(g.n * g.c * g.h * g.w, g.n * g.cout * g.oh * g.ow) > bindableIn(limits)) {
      throw new BindingLimitError(`webgrad: ${what}: one sample of x or of the output (${4 * nchw} bytes; ${shapes}) is larger than one storage binding (${limitText(limits)}); use smaller images`);
    }
  }
  const per = samplesPerChunk(g, limits, policy);
  const chunks: [number, number][] = [];
  for (let n0 = 0; n0 < g.n; n0 += per) chunks.push([n0, Math.min(per, g.n - n0)]);
  return { winograd: null, implicit, implicitInputGrad, chunks };
}

/**
 * out [n, cout, oh, ow] = weight [cout, c·kh·kw] · im2col(x) (+ bias per output channel), then
 * ReLU when `relu`: one implicit GEMM (ReLU in its epilogue), or column matrices and the GEMM
 * chunk by chunk (ReLU a pass of its own).
 */
export function conv2dKernel(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, plan: ConvPlan, relu = false): Tensor {
  if (plan.winograd) return winogradConv2dKernel(x, weight, bias, g, relu, plan.winograd.tile, plan.winograd);
  if (plan.implicit) return conv2dImplicitKernel(x, weight, bias, g, relu);
  const linear = im2colConv(x, weight, bias, g, plan);
  if (!relu) return linear;
  const out = unaryKernel('relu', linear);
  linear.dispose();
  return out;
}

function im2colConv(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, plan: ConvPlan): Tensor {
  const out = Tensor.empty([g.n, g.cout, g.oh, g.ow]);
  if (out.size === 0) return out;
  const w2 = view(weight, [g.cout, g.c * g.kh * g.kw]);
  for (const [n0, nb] of plan.chunks) {
    const cols = im2colKernel(x, g, n0, nb);
    const wide = gemmKernel(w2, cols, bias ? { bias, biasAxis: 'row' } : {});
    cols.dispose();
    fromWideKernel(wide, out, g, n0, nb);
    wide.dispose();
  }
  w2.dispose();
  return out;
}

/**
 * conv2d's gradients for the output gradient `grad`, those asked for only: the weight's as a GEMM
 * against the (recomputed) columns, the input's as a GEMM then col2im, the bias's as a sum.
 */
export function conv2dBackwardKernel(
  x: Tensor,
  weight: Tensor,
  grad: Tensor,
  g: ConvGeometry,
  want: ConvGradsWanted,
  plan: ConvPlan,
): ConvGrads {
  if (plan.winograd) return winogradBackwardKernel(x, weight, grad, g, want, plan.winograd.tile, plan.winograd);
  if (plan.implicit) {
    return {
      gx: !want.x ? null : plan.implicitInputGrad ? conv2dInputGradKernel(weight, grad, g) : im2colBackward({ x, weight, grad }, g, { x: true, weight: false, bias: false }, plan).gx,
      gw: want.weight ? conv2dWeightGradKernel(x, grad, g) : null,
      gb: want.bias ? conv2dBiasGradKernel(grad, g) : null,
    };
  }
  return im2colBackward({ x, weight, grad }, g, want, plan);
}

/** The gradients on column matrices, chunk by chunk: `t` holds x, the weight and the output gradient. */
function im2colBackward(t: { x: Tensor; weight: Tensor; grad: Tensor }, g: ConvGeometry, want: ConvGradsWanted, plan: ConvPlan): ConvGrads {
  const { x, weight, grad } = t;
  const ckk = g.c * g.kh * g.kw;
  const w2 = weight.reshape([g.cout, ckk]);
  const gx = want.x ? Tensor.empty([g.n, g.c, g.h, g.w]) : null;
  let gw: Tensor | null = null;
  let gb: Tensor | null = null;
  const accumulate = (sum: Tensor | null, part: Tensor): Tensor => {
    if (!sum) return part;
    const next = binaryKernel('add', sum, part, planBroadcast('add', sum.shape, part.shape, sum.shape, bindingLimits()));
    sum.dispose();
    part.dispose();
    return next;
  };
  for (const [n0, nb] of plan.chunks) {
    const gWide = toWideKernel(grad, g, n0, nb);
    if (want.weight) {
      const cols = im2colKernel(x, g, n0, nb);
      gw = accumulate(gw, gemmKernel(gWide, cols, { transB: true }));
      cols.dispose();
    }
    if (gx) {
      const gcols = gemmKernel(w2, gWide, { transA: true });
      col2imKernel(gcols, gx, g, n0, nb);
      gcols.dispose();
    }
    if (want.bias) gb = accumulate(gb, reduceKernel('sum', gWide, g.cout, gWide.shape[1], 1));
    gWide.dispose();
  }
  w2.dispose();
  if (gw) {
    const shaped = gw.reshape([g.cout, g.c, g.kh, g.kw]);
    gw.dispose();
    gw = shaped;
  }
  return { gx, gw, gb };
}
