import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import type { Binding } from '../runtime/runtime.js';
import { planSlabs, rangeBinding, type BindingLimits, type BlockPlan } from './ranges.js';

/** x viewed as [n, c, s]; the running statistics' momentum and eps. */
export interface BatchNormDims {
  n: number;
  c: number;
  s: number;
  momentum: number;
  eps: number;
}

export const BATCHNORM_PARAMS = uniformLayout('batchnorm', {
  n: 'u32', c: 'u32', s: 'u32', update: 'u32',
  momentum: 'f32', eps: 'f32', invM: 'f32', unbias: 'f32',
  base: 'u32', chunk0: 'u32', chunksAll: 'u32', _p0: 'u32',
});
const BATCHNORM = declareKernel({
  file: 'batchnorm',
  entries: ['statsPartial', 'statsFinish', 'sumsPartial', 'sumsFinish', 'normalize', 'backwardInput'],
  params: BATCHNORM_PARAMS,
});

/** Samples [first, first + n) of the batch. */
interface SampleRun {
  first: number;
  n: number;
}

/** A dispatch's uniforms: the run's samples, the whole batch's 1/M and M/(M − 1). */
function params(d: BatchNormDims, update: boolean, run: { n: number; base: number; chunk0?: number; chunksAll?: number }): Uint8Array {
  const m = d.n * d.s;
  return BATCHNORM_PARAMS.pack({
    n: run.n, c: d.c, s: d.s, update: update ? 1 : 0, momentum: d.momentum, eps: d.eps,
    invM: m > 0 ? 1 / m : 0, unbias: m > 1 ? m / (m - 1) : 1,
    base: run.base, chunk0: run.chunk0 ?? 0, chunksAll: run.chunksAll ?? 0,
  });
}

/**
 * Plans a batch normalisation: runs of samples that each fit one storage binding (one run, the
 * whole batch, when it fits), so a tensor larger than a binding is normalised a range of samples
 * at a time. Refuses an x larger than one binding one of whose samples is too.
 */
export function planBatchNorm(shape: readonly number[], d: BatchNormDims, limits: BindingLimits): BlockPlan {
  return planSlabs(limits, d.n, d.c * d.s, (limit) =>
    `webgrad: batchNorm: x ${fmt(shape)} is larger than one storage binding (${limit}), and so is each of its samples; use smaller samples`,
  );
}

const sampleRuns = (plan: BlockPlan): SampleRun[] => plan.runs.map(([first, n]) => ({ first, n }));

/** The binding of the run's samples of t (x and the tensors of its shape): the whole buffer when there is one run. */
function bindRun(t: Tensor, d: BatchNormDims, run: SampleRun, whole: boolean): { binding: Binding; base: number } {
  const sample = d.c * d.s;
  return whole ? { binding: t.buffer, base: 0 } : rangeBinding(t.buffer, run.first * sample, run.n * sample);
}

/** Invocations per workgroup of the per-element entry points (normalize, backwardInput). */
const ELEMENT_WORKGROUP = 256;

/**
 * The statistics and backward sums run in two passes: a workgroup per chunk of this many elements
 * of a channel, then one combining pass per channel in a fixed order (batchnorm.wgsl's CHUNK).
 */
export const BATCHNORM_CHUNK = 4096;
const chunksIn = (run: SampleRun, d: BatchNormDims): number => Math.ceil((run.n * d.s) / BATCHNORM_CHUNK);
type BatchNormEntry = (typeof BATCHNORM.entries)[number];
const twoPass = (entry: BatchNormEntry) => BATCHNORM.spec(entry, { TRAINING: 1, CHUNK: BATCHNORM_CHUNK });

/**
 * The reductions' first pass, over every run of samples in batch order: each run's chunks
 * of each channel into `partial` ([c, chunksAll] entries of `width` floats). `bind` gives the run's
 * bindings (partial last) and where its samples start in them.
 */
function partialPasses(
  entry: BatchNormEntry, d: BatchNormDims, runs: SampleRun[], width: number,
  bind: (run: SampleRun, whole: boolean, partial: Tensor) => { buffers: Binding[]; base: number },
): { partial: Tensor; chunksAll: number } {
  const chunksAll = runs.reduce((n, run) => n + chunksIn(run, d), 0);
  const partial = Tensor.empty([d.c * chunksAll, width]);
  let chunk0 = 0;
  for (const run of runs) {
    const chunks = chunksIn(run, d);
    const { buffers, base } = bind(run, runs.length === 1, partial);
    runtime().dispatch(twoPass(entry), { uniforms: params(d, false, { n: run.n, base, chunk0, chunksAll }), buffers, workgroups: d.c * chunks });
    chunk0 += chunks;
  }
  return { partial, chunksAll };
}

/** Per-channel mean and biased variance of the batch; blends them into the running statistics when given. */
export function batchStatsKernel(
  x: Tensor, d: BatchNormDims, plan: BlockPlan, running: { mean: Tensor; var: Tensor; batchesTracked: Tensor | null } | null,
): { mean: Tensor; var: Tensor } {
  const mean = Tensor.empty([d.c]);
  const variance = Tensor.empty([d.c]);
  // The stats entry points name the running buffers; without them they write nothing there but they must be bound.
  const runMean = running?.mean ?? Tensor.empty([d.c]);
  const runVar = running?.var ?? Tensor.empty([d.c]);
  const counter = running?.batchesTracked ?? Tensor.empty([1], 'int32');
  const update = running !== null;
  const runs = sampleRuns(plan);
  const { partial, chunksAll } = partialPasses('statsPartial', d, runs, 4, (run, whole, out) => {
    const xs = bindRun(x, d, run, whole);
    return { buffers: [xs.binding, out.buffer], base: xs.base };
  });
  runtime().dispatch(twoPass('statsFinish'), {
    uniforms: params(d, update, { n: d.n, base: 0, chunk0: 0, chunksAll }),
    buffers: [partial.buffer, mean.buffer, variance.buffer, runMean.buffer, runVar.buffer, counter.buffer],
    workgroups: Math.ceil(d.c / 64),
  });
  partial.dispose();
  if (!running) {
    runMean.dispose();
    runVar.dispose();
  }
  if (counter !== running?.batchesTracked) counter.dispose();
  return { mean, var: variance };
}

export function batchNormalizeKernel(x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, d: BatchNormDims, plan: BlockPlan): Tensor {
  const y = Tensor.empty(x.shape);
  if (y.size === 0) return y;
  const runs = sampleRuns(plan);
  for (const run of runs) {
    const xs = bindRun(x, d, run, runs.length === 1);
    const ys = bindRun(y, d, run, runs.length === 1);
    runtime().dispatch(
      BATCHNORM.spec('normalize', { TRAINING: 1, WG: ELEMENT_WORKGROUP }),
      {
        uniforms: params(d, false, { n: run.n, base: xs.base }),
        buffers: [xs.binding, mean.buffer, variance.buffer, weight.buffer, bias.buffer, ys.binding],
        workgroups: Math.ceil((run.n * d.c * d.s) / ELEMENT_WORKGROUP),
      },
    );
  }
  return y;
}

/** Per channel Σ g (the bias gradient) and Σ g·x̂ (the weight gradient). */
export function batchNormSumsKernel(x: Tensor, mean: Tensor, variance: Tensor, g: Tensor, d: BatchNormDims, plan: BlockPlan): { sumG: Tensor; sumGX: Tensor } {
  const sumG = Tensor.empty([d.c]);
  const sumGX = Tensor.empty([d.c]);
  const runs = sampleRuns(plan);
  const { partial, chunksAll } = partialPasses('sumsPartial', d, runs, 2, (run, whole, out) => {
    const xs = bindRun(x, d, run, whole);
    return { buffers: [xs.binding, mean.buffer, variance.buffer, bindRun(g, d, run, whole).binding, out.buffer], base: xs.base };
  });
  runtime().dispatch(twoPass('sumsFinish'), {
    uniforms: params(d, false, { n: d.n, base: 0, chunk0: 0, chunksAll }),
    buffers: [partial.buffer, sumG.buffer, sumGX.buffer],
    workgroups: Math.ceil(d.c / 64),
  });
  partial.dispose();
  return { sumG, sumGX };
}

export function batchNormInputGradKernel(
  x: Tensor, mean: Tensor, variance: Tensor, g: Tensor, weight: Tensor, sums: { sumG: Tensor; sumGX: Tensor }, d: BatchNormDims, plan: BlockPlan, training: boolean,
): Tensor {
  const dx = Tensor.empty(x.shape);
  if (dx.size === 0) return dx;
  const runs = sampleRuns(plan);
  for (const run of runs) {
    const whole = runs.length === 1;
    const xs = bindRun(x, d, run, whole);
    runtime().dispatch(
      BATCHNORM.spec('backwardInput', { TRAINING: training ? 1 : 0, WG: ELEMENT_WORKGROUP }),
      {
        uniforms: params(d, false, { n: run.n, base: xs.base }),
        buffers: [xs.binding, mean.buffer, variance.buffer, bindRun(g, d, run, whole).binding, weight.buffer, sums.sumG.buffer, sums.sumGX.buffer, bindRun(dx, d, run, whole).binding],
        workgroups: Math.ceil((run.n * d.c * d.s) / ELEMENT_WORKGROUP),
      },
    );
  }
  return dx;
}
