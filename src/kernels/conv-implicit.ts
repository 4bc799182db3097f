import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import type { ConvGeometry } from './window-geometry.js';
import { foldWorkgroups } from '../runtime/grid.js';
import { reduceKernel } from './reduce.js';
import { constantNames, uniformLayout } from '../runtime/wgsl-struct.js';
import { gemmAutotuner } from './gemm/gemm-autotune.js';
import { CONV_MODES, convCandidates, convProduct, defaultConvConfig, planConv, vec4Applies, type ConvConfig, type ConvMode } from './conv-implicit-plan.js';

/** conv_implicit.wgsl's products (its MODE), named there MODE_FORWARD, MODE_INPUT_GRAD, MODE_WEIGHT_GRAD. */
export const MODE_CODES = constantNames('conv_implicit', 'MODE_', CONV_MODES);

export const CONV_IMPLICIT_PARAMS = uniformLayout('conv_implicit', {
  n: 'u32', c: 'u32', h: 'u32', w: 'u32',
  cout: 'u32', kh: 'u32', kw: 'u32', oh: 'u32',
  ow: 'u32', sh: 'u32', sw: 'u32', ph: 'u32',
  pw: 'u32', M: 'u32', N: 'u32', K: 'u32',
  kSplit: 'u32', mTiles: 'u32', tiles: 'u32', _p0: 'u32',
});
/** Invocations per workgroup of the sum of the weight gradient's parts. */
const SUM_WORKGROUP = 64;
export const CONV_IMPLICIT_SUM_PARAMS = uniformLayout('conv_implicit_sum', { count: 'u32', parts: 'u32', _p0: 'u32', _p1: 'u32' });
const CONV_IMPLICIT = declareKernel({ file: 'conv_implicit', entries: ['main'], params: CONV_IMPLICIT_PARAMS, constants: MODE_CODES });
const CONV_IMPLICIT_SUM = declareKernel({ file: 'conv_implicit_sum', entries: ['main'], params: CONV_IMPLICIT_SUM_PARAMS, workgroup: SUM_WORKGROUP });
/** The output tile's row and column groups, and the depth of one k-slice. */
const TILE = 64;
const SLICE = 16;
/**
 * Workgroups the weight gradient's split over K aims for: enough to fill a large GPU (an H200 has
 * 132 multiprocessors holding several 256-invocation workgroups each), a few on a CPU adapter.
 */
const GPU_WORKGROUPS = 2048;
const CPU_WORKGROUPS = 16;
/** Each part of a split covers at least this much of K, so the parts' sum stays a small pass. */
const MIN_PART_K = 256;

/**
 * Whether the implicit kernels can take this convolution: every tensor they bind (x, the output
 * or its gradient, the weight gradient's parts) fits one storage binding of `maxBinding` bytes.
 * The im2col path chunks the batch instead.
 */
export function implicitConvFits(g: ConvGeometry, maxBinding: number): boolean {
  const biggest = Math.max(g.n * g.c * g.h * g.w, g.n * g.cout * g.oh * g.ow, g.cout * g.c * g.kh * g.kw);
  return 4 * biggest <= maxBinding;
}

function dispatch(mode: ConvMode, cfg: ConvConfig, splits: number, g: ConvGeometry, a: Tensor, b: Tensor, dst: Tensor, bias: Tensor | null, relu: boolean): void {
  const prod = convProduct(mode, g);
  const mTiles = Math.ceil(prod.M / (TILE * cfg.rows));
  const tiles = mTiles * Math.ceil(prod.N / (TILE * cfg.groups));
  const kSplit = Math.ceil(prod.K / splits / SLICE) * SLICE || SLICE;
  const u = CONV_IMPLICIT_PARAMS.pack({ ...g, M: prod.M, N: prod.N, K: prod.K, kSplit, mTiles, tiles });
  const rt = runtime();
  const [x, y] = foldWorkgroups(tiles, rt.gpu.limits.maxComputeWorkgroupsPerDimension);
  const overrides = {
    MODE: CONV_MODES[mode],
    BIAS: bias ? 1 : 0,
    RELU: relu ? 1 : 0,
    ROWS: cfg.rows,
    GROUPS: cfg.groups,
    COUNTERS: cfg.counters ? 1 : 0,
    BUFFERS: cfg.buffers,
    PAD: cfg.xor ? 0 : 1,
    VEC_A: cfg.vec4 && vec4Applies(mode, g) ? 1 : 0,
  };
  rt.dispatch(
    CONV_IMPLICIT.spec('main', overrides, `convImplicit:${{ forward: 'forward', inputGrad: 'dx', weightGrad: 'dW' }[mode]}`),
    // Binding 4 is only read with a bias; any buffer fills it otherwise. Binding 5 is A again, read as vec4s.
    { uniforms: u, buffers: [a.buffer, b.buffer, dst.buffer, (bias ?? a).buffer, a.buffer], workgroups: [x, y, splits] },
  );
}

/**
 * Runs `run` in the configuration the policy forces, the tuning table names or the default; with
 * autotuning on (GPUs), the first product of a shape class also runs every candidate into scratch
 * outputs (`run` given a configuration returns a new tensor), timed and checked against the
 * default's output by the GEMM's autotuner, which refuses one that differs.
 */
function tuned(mode: ConvMode, g: ConvGeometry, run: (cfg: ConvConfig) => Tensor): Tensor {
  const rt = runtime();
  const cpu = rt.policy.sizing === 'cpu';
  const wgBytes = rt.gpu.limits.maxComputeWorkgroupStorageSize;
  const tuner = gemmAutotuner();
  const plan = planConv(mode, g, cpu, wgBytes, tuner?.table() ?? {}, rt.policy.convConfig);
  const out = run(plan.config);
  // Not under a lowered binding limit (tests), as the GEMM's tuning; not with a forced configuration.
  if (tuner && !plan.tuned && rt.policy.convConfig === null && rt.policy.bindingLimit === null && out.size > 0) {
    const p = convProduct(mode, g);
    const byName = (name: string) => planConv(mode, g, cpu, wgBytes, {}, name).config;
    tuner.tuneAmong(plan.shapeClass, convCandidates(mode, g, cpu, wgBytes), 2 * p.M * p.N * p.K, p.K, (name) => run(byName(name)));
  }
  return out;
}

/**
 * out [n, cout, oh, ow] = conv2d(x, weight) + bias (then ReLU when `relu`), as one implicit GEMM
 * written straight into NCHW.
 */
export function conv2dImplicitKernel(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, relu = false): Tensor {
  return tuned('forward', g, (cfg) => {
    const out = Tensor.empty([g.n, g.cout, g.oh, g.ow]);
    if (out.size > 0) dispatch('forward', cfg, 1, g, weight, x, out, bias, relu);
    return out;
  });
}

/**
 * Whether the input gradient's implicit GEMM pays: its K walks every (co, ky, kx) for each input
 * pixel, of which only 1/(sh·sw) meet an output pixel, and its 64-row tiles hold c rows. On
 * AlexNet's conv1 (stride 4, c = 3) over 99% of its multiply-adds would be wasted, so such layers
 * keep the dense GEMM and col2im of the im2col form (a training step never asks for conv1's dx).
 */
export function implicitInputGradPays(g: ConvGeometry): boolean {
  return g.sh === 1 && g.sw === 1 && g.c >= 16;
}

/** dx [n, c, h, w] for the output gradient, gathered per input pixel (no col2im, no atomics). */
export function conv2dInputGradKernel(weight: Tensor, grad: Tensor, g: ConvGeometry): Tensor {
  return tuned('inputGrad', g, (cfg) => {
    const gx = Tensor.empty([g.n, g.c, g.h, g.w]);
    if (gx.size > 0) dispatch('inputGrad', cfg, 1, g, weight, grad, gx, null, false);
    return gx;
  });
}

/**
 * Parts the weight gradient's K (= n·oh·ow) is split into: enough workgroups to fill the adapter,
 * each part at least MIN_PART_K deep, all parts inside one storage binding.
 */
export function weightGradSplits(g: ConvGeometry, cpuAdapter: boolean, maxBinding: number, cfg: ConvConfig = defaultConvConfig(cpuAdapter)): number {
  const { M, N, K } = convProduct('weightGrad', g);
  const tiles = Math.ceil(M / (TILE * cfg.rows)) * Math.ceil(N / (TILE * cfg.groups));
  const wanted = Math.ceil((cpuAdapter ? CPU_WORKGROUPS : GPU_WORKGROUPS) / tiles);
  const byDepth = Math.floor(K / MIN_PART_K);
  const byMemory = Math.floor(maxBinding / (4 * M * N));
  const splits = Math.max(1, Math.min(wanted, byDepth, byMemory, 65_535));
  // The parts the kernel sees: K cut into slices of whole 16-deep k-slices.
  const kSplit = Math.ceil(K / splits / SLICE) * SLICE;
  return Math.max(1, Math.ceil(K / kSplit));
}

/** dW [cout, c, kh, kw] for the output gradient: an implicit GEMM split over K, then its parts summed. */
export function conv2dWeightGradKernel(x: Tensor, grad: Tensor, g: ConvGeometry, splits?: number): Tensor {
  return tuned('weightGrad', g, (cfg) => weightGrad(x, grad, g, cfg, splits));
}

function weightGrad(x: Tensor, grad: Tensor, g: ConvGeometry, cfg: ConvConfig, splits?: number): Tensor {
  const rt = runtime();
  const { M, N } = convProduct('weightGrad', g);
  const parts = splits ?? weightGradSplits(g, rt.policy.sizing === 'cpu', rt.maxStorageBinding, cfg);
  const gw = Tensor.empty([g.cout, g.c, g.kh, g.kw]);
  if (parts === 1) {
    dispatch('weightGrad', cfg, 1, g, grad, x, gw, null, false);
    return gw;
  }
  const partial = Tensor.empty([parts, M * N]);
  dispatch('weightGrad', cfg, parts, g, grad, x, partial, null, false);
  const u = CONV_IMPLICIT_SUM_PARAMS.pack({ count: M * N, parts });
  rt.dispatch(
    CONV_IMPLICIT_SUM.spec('main', {}, 'convImplicit:dW sum'),
    { uniforms: u, buffers: [partial.buffer, gw.buffer], workgroups: Math.ceil((M * N) / SUM_WORKGROUP) },
  );
  partial.dispose();
  return gw;
}

/** The bias gradient: grad [n, cout, L] summed over n and L. */
export function conv2dBiasGradKernel(grad: Tensor, g: ConvGeometry): Tensor {
  const perSample = reduceKernel('sum', grad, g.n * g.cout, g.oh * g.ow, 1);
  const gb = reduceKernel('sum', perSample, 1, g.n, g.cout);
  perSample.dispose();
  return gb;
}
