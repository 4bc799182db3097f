import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

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
});

function params(d: BatchNormDims, update: boolean): Uint8Array {
  const m = d.n * d.s;
  return BATCHNORM_PARAMS.pack({ ...d, update: update ? 1 : 0, invM: m > 0 ? 1 / m : 0, unbias: m > 1 ? m / (m - 1) : 1 });
}

/** Invocations per workgroup of the per-element entry points (normalize, backwardInput). */
const ELEMENT_WORKGROUP = 256;
const perElement = (d: BatchNormDims): number => Math.ceil((d.n * d.c * d.s) / ELEMENT_WORKGROUP);

/**
 * Channels longer than this run their statistics and backward sums in two passes, a workgroup per
 * chunk of this many elements and then one combining pass (batchnorm.wgsl's CHUNK).
 */
export const BATCHNORM_CHUNK = 4096;
const chunksOf = (d: BatchNormDims): number => Math.ceil((d.n * d.s) / BATCHNORM_CHUNK);
const twoPass = (entry: string) => ({ files: ['grid', 'batchnorm'], entry, overrides: { TRAINING: 1, CHUNK: BATCHNORM_CHUNK }, params: BATCHNORM_PARAMS });

/** Per-channel mean and biased variance of the batch; blends them into the running statistics when given. */
export function batchStatsKernel(
  x: Tensor, d: BatchNormDims, running: { mean: Tensor; var: Tensor; batchesTracked: Tensor | null } | null,
): { mean: Tensor; var: Tensor } {
  const mean = Tensor.empty([d.c]);
  const variance = Tensor.empty([d.c]);
  // The stats entry point names the running buffers; without them it writes nothing there but they must be bound.
  const runMean = running?.mean ?? Tensor.empty([d.c]);
  const runVar = running?.var ?? Tensor.empty([d.c]);
  const counter = running?.batchesTracked ?? Tensor.empty([1], 'int32');
  const u = params(d, running !== null);
  const chunks = chunksOf(d);
  if (chunks > 1) {
    const partial = Tensor.empty([d.c * chunks, 2]);
    runtime().dispatch(twoPass('statsPartial'), { uniforms: u, buffers: [x.buffer, partial.buffer], workgroups: d.c * chunks });
    runtime().dispatch(twoPass('statsFinish'), {
      uniforms: u,
      buffers: [partial.buffer, mean.buffer, variance.buffer, runMean.buffer, runVar.buffer, counter.buffer],
      workgroups: Math.ceil(d.c / 64),
    });
    partial.dispose();
  } else {
    runtime().dispatch(
      { files: ['grid', 'batchnorm'], entry: 'stats', overrides: { TRAINING: 1 }, params: BATCHNORM_PARAMS },
      { uniforms: u, buffers: [x.buffer, mean.buffer, variance.buffer, runMean.buffer, runVar.buffer, counter.buffer], workgroups: d.c },
    );
  }
  if (!running) {
    runMean.dispose();
    runVar.dispose();
  }
  if (counter !== running?.batchesTracked) counter.dispose();
  return { mean, var: variance };
}

export function batchNormalizeKernel(x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, d: BatchNormDims): Tensor {
  const y = Tensor.empty(x.shape);
  if (y.size === 0) return y;
  runtime().dispatch(
    { files: ['grid', 'batchnorm'], entry: 'normalize', overrides: { TRAINING: 1, WG: ELEMENT_WORKGROUP }, params: BATCHNORM_PARAMS },
    { uniforms: params(d, false), buffers: [x.buffer, mean.buffer, variance.buffer, weight.buffer, bias.buffer, y.buffer], workgroups: perElement(d) },
  );
  return y;
}

/** Per channel Σ g (the bias gradient) and Σ g·x̂ (the weight gradient). */
export function batchNormSumsKernel(x: Tensor, mean: Tensor, variance: Tensor, g: Tensor, d: BatchNormDims): { sumG: Tensor; sumGX: Tensor } {
  const sumG = Tensor.empty([d.c]);
  const sumGX = Tensor.empty([d.c]);
  const u = params(d, false);
  const chunks = chunksOf(d);
  if (chunks > 1) {
    const partial = Tensor.empty([d.c * chunks, 2]);
    runtime().dispatch(twoPass('sumsPartial'), { uniforms: u, buffers: [x.buffer, mean.buffer, variance.buffer, g.buffer, partial.buffer], workgroups: d.c * chunks });
    runtime().dispatch(twoPass('sumsFinish'), { uniforms: u, buffers: [partial.buffer, sumG.buffer, sumGX.buffer], workgroups: Math.ceil(d.c / 64) });
    partial.dispose();
  } else {
    runtime().dispatch(
      { files: ['grid', 'batchnorm'], entry: 'backwardSums', overrides: { TRAINING: 1 }, params: BATCHNORM_PARAMS },
      { uniforms: u, buffers: [x.buffer, mean.buffer, variance.buffer, g.buffer, sumG.buffer, sumGX.buffer], workgroups: d.c },
    );
  }
  return { sumG, sumGX };
}

export function batchNormInputGradKernel(
  x: Tensor, mean: Tensor, variance: Tensor, g: Tensor, weight: Tensor, sums: { sumG: Tensor; sumGX: Tensor }, d: BatchNormDims, training: boolean,
): Tensor {
  const dx = Tensor.empty(x.shape);
  if (dx.size === 0) return dx;
  runtime().dispatch(
    { files: ['grid', 'batchnorm'], entry: 'backwardInput', overrides: { TRAINING: training ? 1 : 0, WG: ELEMENT_WORKGROUP }, params: BATCHNORM_PARAMS },
    {
      uniforms: params(d, false),
      buffers: [x.buffer, mean.buffer, variance.buffer, g.buffer, weight.buffer, sums.sumG.buffer, sums.sumGX.buffer, dx.buffer],
      workgroups: perElement(d),
    },
  );
  return dx;
}
