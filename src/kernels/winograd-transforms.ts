import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import type { Binding } from '../runtime/runtime.js';
import { declareKernel, type Kernel } from '../runtime/kernel.js';
import { constantNames, uniformLayout } from '../runtime/wgsl-struct.js';
import { fitsOneBinding, rangeBinding } from './ranges.js';
import type { WinogradChunk, WinogradPlan, WinogradProblem } from './winograd-plan.js';

/**
 * The dispatchers of the Winograd transforms: winograd_data.wgsl (input and output-gradient tiles
 * into the transform domain), winograd_filter.wgsl (the weight in, the weight gradient out) and
 * winograd_output.wgsl (products to output tiles, bias and ReLU). Layouts in winograd_common.wgsl.
 */

const WORKGROUP = 64;
const FLAGS = { bias: 1, relu: 2, flip: 4 } as const;
/** The flags as winograd_common.wgsl declares them (FLAG_BIAS, …), checked when a pipeline is created. */
export const WINOGRAD_FLAG_CODES = constantNames('winograd_common', 'FLAG_', FLAGS);

export const WINOGRAD_PARAMS = uniformLayout('winograd_common', {
  total: 'u32', ch: 'u32', h: 'u32', w: 'u32',
  tilesH: 'u32', tilesW: 'u32', t0: 'u32', count: 'u32',
  ld: 'u32', base: 'u32', n0: 'u32', flags: 'u32',
  ph: 'i32', pw: 'i32', outC: 'u32', _p0: 'u32',
});

const declare = <const E extends string>(file: 'winograd_data' | 'winograd_filter' | 'winograd_output', entries: readonly E[]) =>
  declareKernel({ file, entries, params: WINOGRAD_PARAMS, constants: WINOGRAD_FLAG_CODES, workgroup: WORKGROUP });
const DATA = declare('winograd_data', ['inputTransform', 'gradTransform']);
const FILTER = declare('winograd_filter', ['filterTransform', 'filterGradTransform']);
const OUTPUT = declare('winograd_output', ['outputTransform']);

type Values = Parameters<typeof WINOGRAD_PARAMS.pack>[0];
const ZERO: Values = { total: 0, ch: 0, h: 0, w: 0, tilesH: 0, tilesW: 0, t0: 0, count: 0, ld: 0, base: 0, n0: 0, flags: 0, ph: 0, pw: 0, outC: 0 };

function run<E extends string>(kernel: Kernel<E, number>, entry: E, plan: Pick<WinogradPlan, 'tile'>, values: Partial<Values>, buffers: Binding[]): void {
  const v = { ...ZERO, ...values };
  if (v.total === 0) return;
  runtime().dispatch(
    kernel.spec(entry, { TILE: plan.tile }),
    { uniforms: WINOGRAD_PARAMS.pack(v), buffers, workgroups: Math.ceil(v.total / WORKGROUP) },
  );
}

/** The chunk's images of an NCHW tensor of `per` elements an image: the whole buffer where it fits one binding, else their range. */
function images(t: Tensor, per: number, c: WinogradChunk): { binding: Binding; base: number; n0: number } {
  if (fitsOneBinding(t.size)) return { binding: t.buffer, base: 0, n0: 0 };
  return { ...rangeBinding(t.buffer, c.n0 * per, c.nb * per), n0: c.n0 };
}

const tiling = (plan: WinogradPlan, c: WinogradChunk) => ({ tilesH: plan.tilesH, tilesW: plan.tilesW, t0: c.t0, count: c.count, ld: c.ld });

/**
 * The chunk's tiles of `data` [n, ch, h, w] in the transform domain, [α², ch, ld]: input tiles
 * (padded by the problem's ph, pw) or, with `grad`, output-gradient tiles of the problem's output.
 */
export function dataTransform(data: Tensor, p: WinogradProblem, plan: WinogradPlan, c: WinogradChunk, grad: boolean): Tensor {
  const [ch, h, w] = grad ? [p.outC, p.oh, p.ow] : [p.ch, p.h, p.w];
  const out = Tensor.empty([plan.alpha * plan.alpha, ch, c.ld]);
  const src = images(data, ch * h * w, c);
  const values = { total: ch * c.ld, ch, h, w, ...tiling(plan, c), base: src.base, n0: src.n0, ph: p.ph, pw: p.pw };
  run(DATA, grad ? 'gradTransform' : 'inputTransform', plan, values, [src.binding, out.buffer]);
  return out;
}

/**
 * The weight [outC, ch, 3, 3] as U [α², outC, ch]; with `flip`, the input gradient's filter from
 * the forward weight [ch, outC, 3, 3] (transposed, rotated by 180°).
 */
export function filterTransform(weight: Tensor, p: WinogradProblem, plan: WinogradPlan, flip: boolean): Tensor {
  const out = Tensor.empty([plan.alpha * plan.alpha, p.outC, p.ch]);
  run(FILTER, 'filterTransform', plan, { total: p.outC * p.ch, ch: p.ch, outC: p.outC, flags: flip ? FLAGS.flip : 0 }, [weight.buffer, out.buffer]);
  return out;
}

/** The weight gradient [outC, ch, 3, 3] from the products' sum dU [α², outC, ch]. */
export function filterGradTransform(dU: Tensor, p: WinogradProblem, plan: WinogradPlan): Tensor {
  const out = Tensor.empty([p.outC, p.ch, 3, 3]);
  run(FILTER, 'filterGradTransform', plan, { total: p.outC * p.ch, ch: p.ch, outC: p.outC }, [dU.buffer, out.buffer]);
  return out;
}

/** Writes the chunk's output tiles into out [n, outC, oh, ow] from the products [α², outC, ld], with the bias and ReLU. */
export function outputTransform(prods: Tensor, bias: Tensor | null, relu: boolean, out: Tensor, p: WinogradProblem, plan: WinogradPlan, c: WinogradChunk): void {
  const dst = images(out, p.outC * p.oh * p.ow, c);
  const flags = (bias ? FLAGS.bias : 0) | (relu ? FLAGS.relu : 0);
  // Without a bias, binding 2 gets the head of the products: the kernel never reads it.
  const biasBinding: Binding = bias?.buffer ?? { buffer: prods.buffer, offset: 0, size: 16 };
  const values = { total: p.outC * c.count, ch: p.outC, h: p.oh, w: p.ow, outC: p.outC, ...tiling(plan, c), base: dst.base, n0: dst.n0, flags };
  run(OUTPUT, 'outputTransform', plan, values, [prods.buffer, biasBinding, dst.binding]);
}
