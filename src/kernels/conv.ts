import { runtime } from '../device/current.js';
import { Tensor, view } from '../tensor/tensor.js';
import { conv2dBiasGradKernel, conv2dImplicitKernel, conv2dInputGradKernel, conv2dWeightGradKernel, implicitConvFits, implicitInputGradPays } from './conv-implicit.js';
import { binaryKernel, unaryKernel } from './elementwise.js';
import { gemmKernel } from './gemm/gemm.js';
import { copyableRowLength } from './gemm/gemm-texture.js';
import { reduceKernel } from './reduce.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { Binding } from '../runtime/runtime.js';
import { bindableElements, fitsOneBinding, rangeBinding } from './ranges.js';
import { winogradBackwardKernel, winogradConv2dKernel, winogradRuns } from './winograd.js';
import type { WindowGeometry } from './window-geometry.js';
import { WebgradError } from '../errors.js';
import { bindingLimitText, fmt } from '../tensor/shape.js';

/** conv2d's geometry (checked by the op): x [n, c, h, w], weight [cout, c, kh, kw], out [n, cout, oh, ow]. */
export interface ConvGeometry extends WindowGeometry {
  cout: number;
}

/** im2col and col2im run one invocation per row of OW (or W) elements. */
const WORKGROUP = 64;

/** fromWide and toWide's grid: x covers L in blocks of WORKGROUP, y the channel, z the sample. */
const wideGrid = (g: ConvGeometry, nb: number): [number, number, number] => [Math.ceil((g.oh * g.ow) / WORKGROUP), g.cout, nb];

/** The most bytes of one chunk's column matrix: a storage binding, or less where the policy says (convChunkBytes). */
const chunkLimit = (): number => Math.min(runtime().maxStorageBinding, runtime().policy.convChunkBytes ?? Infinity);

/**
 * How far apart the rows of a chunk's wide matrices are, for nb samples: nb·L, padded to the row
 * length the GEMM copies into textures rather than packs, while that fits a storage binding.
 */
function wideStride(g: ConvGeometry, nb: number): number {
  const width = nb * g.oh * g.ow;
  const padded = copyableRowLength(width);
  return 4 * Math.max(g.c * g.kh * g.kw, g.cout) * padded <= chunkLimit() ? padded : width;
}

/**
 * Samples per chunk: the column matrix [c·kh·kw, nb·L] and the wide output [cout, nb·L] must each
 * fit one storage binding (conv1 of AlexNet at batch 128 would need 562 MB of columns), and so must
 * the chunk's samples of x and of the output, which are bound alone when the whole is larger.
 */
export function samplesPerChunk(g: ConvGeometry): number {
  const perSample = 4 * Math.max(g.c * g.kh * g.kw, g.cout) * g.oh * g.ow;
  const nchw = Math.max(g.c * g.h * g.w, g.cout * g.oh * g.ow);
  // The sample index is the z of a dispatch grid, at most 65,535.
  return Math.max(1, Math.min(g.n, 65_535, Math.floor(chunkLimit() / perSample), Math.floor(bindableElements() / nchw)));
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
    { files: ['grid', 'window', 'conv'], entry: total === rows ? 'im2col' : 'im2colElements', overrides: { WG: WORKGROUP }, params: CONV_PARAMS },
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
    { files: ['grid', 'window', 'conv'], entry: 'col2im', overrides: { WG: WORKGROUP }, params: CONV_PARAMS },
    { uniforms: params(g, total, g.c, g.h, g.w, gxs.base, nb), buffers: [gcols.buffer, gxs.binding], workgroups: Math.ceil(total / WORKGROUP) },
  );
}

/** Copies wide [cout, wideStride] into samples n0 .. n0+nb of out [n, cout, L]. */
function fromWideKernel(wide: Tensor, out: Tensor, g: ConvGeometry, n0: number, nb: number): void {
  if (wide.size === 0) return;
  const outs = samples(out, g.cout * g.oh * g.ow, n0, nb);
  runtime().dispatch(
    { files: ['grid', 'window', 'conv'], entry: 'fromWide', overrides: { WG: WORKGROUP }, params: CONV_PARAMS },
    { uniforms: params(g, 0, g.cout, g.oh, g.ow, outs.base, nb), buffers: [wide.buffer, outs.binding], workgroups: wideGrid(g, nb) },
  );
}

/** Samples n0 .. n0+nb of grad [n, cout, L] as wide [cout, wideStride] (zero past nb·L). */
function toWideKernel(grad: Tensor, g: ConvGeometry, n0: number, nb: number): Tensor {
  const wide = Tensor.empty([g.cout, wideStride(g, nb)]);
  if (wide.size === 0) return wide;
  const grads = samples(grad, g.cout * g.oh * g.ow, n0, nb);
  runtime().dispatch(
    { files: ['grid', 'window', 'conv'], entry: 'toWide', overrides: { WG: WORKGROUP }, params: CONV_PARAMS },
    { uniforms: params(g, 0, g.cout, g.oh, g.ow, grads.base, nb), buffers: [grads.binding, wide.buffer], workgroups: wideGrid(g, nb) },
  );
  return wide;
}

function chunks(g: ConvGeometry): [number, number][] {
  const per = samplesPerChunk(g);
  const list: [number, number][] = [];
  for (let n0 = 0; n0 < g.n; n0 += per) list.push([n0, Math.min(per, g.n - n0)]);
  return list;
}

/**
 * Whether this convolution runs on the implicit-GEMM kernels (the runtime's choice, where they fit;
 * under 'winograd', the GPUs' form for what Winograd does not run).
 */
function implicit(g: ConvGeometry): boolean {
  const { conv, sizing } = runtime().policy;
  return (conv === 'implicit' || (conv === 'winograd' && sizing === 'gpu')) && implicitConvFits(g);
}

/**
 * Refuses, before any GPU work, a convolution whose column path cannot fit one sample in a storage
 * binding: chunks hold whole samples, so one sample's column matrix [c·kh·kw, oh·ow] (and its wide
 * output) must fit, and so must one sample of x and of the output where the whole does not.
 * `inputGrad`: the backward will want x's gradient (under the implicit kernels, its dense form
 * for strided or narrow convolutions runs on columns too).
 */
export function checkConvBindable(what: string, xShape: readonly number[], wShape: readonly number[], g: ConvGeometry, inputGrad: boolean): void {
  const columns = !implicit(g) || (inputGrad && !implicitInputGradPays(g));
  if (!columns || g.n === 0 || winogradRuns(g)) return;
  const shapes = `x ${fmt(xShape)}, weight ${fmt(wShape)}`;
  const perSample = 4 * Math.max(g.c * g.kh * g.kw, g.cout) * g.oh * g.ow;
  if (perSample > chunkLimit()) {
    throw new WebgradError(
      `webgrad: ${what}: one sample's column matrix (${Math.max(g.c * g.kh * g.kw, g.cout)} × ${g.oh * g.ow} floats, ${perSample} bytes; ${shapes}) ` +
        `is larger than one storage binding (${bindingLimitText()}) or the policy's convChunkBytes; use smaller images or fewer channels`,
    );
  }
  const nchw = Math.max(g.c * g.h * g.w, g.cout * g.oh * g.ow);
  if (nchw > bindableElements() && Math.max(g.n * g.c * g.h * g.w, g.n * g.cout * g.oh * g.ow) > bindableElements()) {
    throw new WebgradError(`webgrad: ${what}: one sample of x or of the output (${4 * nchw} bytes; ${shapes}) is larger than one storage binding (${bindingLimitText()}); use smaller images`);
  }
}

/**
 * out [n, cout, oh, ow] = weight [cout, c·kh·kw] · im2col(x) (+ bias per output channel), then
 * ReLU when `relu`: one implicit GEMM (ReLU in its epilogue), or column matrices and the GEMM
 * chunk by chunk (ReLU a pass of its own).
 */
export function conv2dKernel(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, relu = false): Tensor {
  if (winogradRuns(g)) return winogradConv2dKernel(x, weight, bias, g, relu);
  if (implicit(g)) return conv2dImplicitKernel(x, weight, bias, g, relu);
  const linear = im2colConv(x, weight, bias, g);
  if (!relu) return linear;
  const out = unaryKernel('relu', linear);
  linear.dispose();
  return out;
}

function im2colConv(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor {
  const out = Tensor.empty([g.n, g.cout, g.oh, g.ow]);
  if (out.size === 0) return out;
  const w2 = view(weight, [g.cout, g.c * g.kh * g.kw]);
  for (const [n0, nb] of chunks(g)) {
    const cols = im2colKernel(x, g, n0, nb);
    const wide = gemmKernel(w2, cols, bias ? { bias, biasAxis: 'row' } : {});
    cols.dispose();
    fromWideKernel(wide, out, g, n0, nb);
    wide.dispose();
  }
  w2.dispose();
  return out;
}

export interface ConvGrads {
  gx: Tensor | null;
  gw: Tensor | null;
  gb: Tensor | null;
}

/** Which of conv2d's gradients to compute: the input's, the weight's, the bias's. */
export interface ConvGradsWanted {
  x: boolean;
  weight: boolean;
  bias: boolean;
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
): ConvGrads {
  if (winogradRuns(g)) return winogradBackwardKernel(x, weight, grad, g, want);
  if (implicit(g)) {
    const dense = want.x && !implicitInputGradPays(g);
    return {
      gx: !want.x ? null : dense ? im2colBackward(x, weight, grad, g, { x: true, weight: false, bias: false }).gx : conv2dInputGradKernel(weight, grad, g),
      gw: want.weight ? conv2dWeightGradKernel(x, grad, g) : null,
      gb: want.bias ? conv2dBiasGradKernel(grad, g) : null,
    };
  }
  return im2colBackward(x, weight, grad, g, want);
}

function im2colBackward(
  x: Tensor,
  weight: Tensor,
  grad: Tensor,
  g: ConvGeometry,
  want: ConvGradsWanted,
): ConvGrads {
  const ckk = g.c * g.kh * g.kw;
  const w2 = weight.reshape([g.cout, ckk]);
  const gx = want.x ? Tensor.empty([g.n, g.c, g.h, g.w]) : null;
  let gw: Tensor | null = null;
  let gb: Tensor | null = null;
  const accumulate = (sum: Tensor | null, part: Tensor): Tensor => {
    if (!sum) return part;
    const next = binaryKernel('add', sum, part, sum.shape);
    sum.dispose();
    part.dispose();
    return next;
  };
  for (const [n0, nb] of chunks(g)) {
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
