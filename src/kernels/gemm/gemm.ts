import { runtime } from '../../device/current.js';
import { declareKernel } from '../../runtime/kernel.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Binding } from '../../runtime/runtime.js';
import { uniformLayout } from '../../runtime/wgsl-struct.js';
import { BIAS_MODES, GEMM_BIAS_CODES, GEMM_PARAMS, GEMM_SUM_BIAS_CODES, type BiasMode } from './gemm-params.js';
import {
  chooseTile, extent, fitsExactly, planGemm, OFFSET_ALIGN, TILE_M, TILE_N,
  type GemmLimits, type GemmPlan, type GemmProblem, type OperandLayout, type Range,
} from './gemm-plan.js';
import { oriented, textureGemm, textureLimits, textureShape, type TextureProduct } from './gemm-texture.js';
import { planTextureGemm } from './gemm-texture-plan.js';
import { gemmAutotuner } from './gemm-autotune.js';
import { bindableElements, fitsOneBinding, rangeBinding } from '../ranges.js';

/** Invocations per workgroup of gemm_small.wgsl (its INVOCATIONS), one output each. */
const SMALL_WORKGROUP = 64;
/** Invocations per workgroup of gemm_sum and gemm_pad, one per element. */
const ELEMENT_WORKGROUP = 256;
export const GEMM_SUM_PARAMS = uniformLayout('gemm_sum', { n: 'u32', splits: 'u32', N: 'u32', M: 'u32', biasMode: 'u32', relu: 'u32', _p0: 'u32', _p1: 'u32' });
export const GEMM_PAD_PARAMS = uniformLayout('gemm_pad', { rows: 'u32', C: 'u32', CP4: 'u32', base: 'u32', dstBase: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });
/** The storage-buffer GEMMs, by the plan's kernel; their parts' sum (split over K); the row padding of operands. */
const GEMMS = {
  registers: declareKernel({ file: 'gemm', entries: ['main'], params: GEMM_PARAMS, constants: GEMM_BIAS_CODES }),
  small: declareKernel({ file: 'gemm_small', entries: ['main'], params: GEMM_PARAMS, constants: GEMM_BIAS_CODES }),
  workgroup: declareKernel({ file: 'gemm_workgroup', entries: ['main'], params: GEMM_PARAMS, constants: GEMM_BIAS_CODES }),
};
const GEMM_SUM = declareKernel({ file: 'gemm_sum', entries: ['main'], params: GEMM_SUM_PARAMS, constants: GEMM_SUM_BIAS_CODES, workgroup: ELEMENT_WORKGROUP });
const GEMM_PAD = declareKernel({ file: 'gemm_pad', entries: ['main'], params: GEMM_PAD_PARAMS, workgroup: ELEMENT_WORKGROUP });

export interface GemmOptions {
  /** a is stored [.., K, M] and used as its transpose. */
  transA?: boolean;
  /** b is stored [.., N, K] and used as its transpose. */
  transB?: boolean;
  /** Added to every output row ([N], biasAxis 'col', the default) or column ([M], biasAxis 'row'). */
  bias?: Tensor;
  biasAxis?: 'col' | 'row';
  /** max(0, ·) after the bias. */
  relu?: boolean;
  /**
   * Runs gemm_workgroup.wgsl in this configuration (a name from GEMM_CONFIGS, such as
   * '128x128x8/8x8'), or gemm.wgsl ('registers'), whatever the adapter's default kernel and the
   * tuning table say.
   */
  config?: string;
}

/** The adapter's limits and the policy's choices, as the planner takes them. */
export function gemmLimits(): GemmLimits {
  const rt = runtime();
  const l = rt.gpu.limits;
  return {
    variant: rt.policy.gemm,
    cpuAdapter: rt.policy.sizing === 'cpu',
    bindingLimit: rt.maxStorageBinding,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    smallMacs: rt.policy.smallGemmMacs,
  };
}

/** An operand as the kernel reads (or writes) it. */
interface Operand extends OperandLayout {
  buffer: GPUBuffer;
}

/**
 * out[b] = op(a[b]) · op(b[b]) (+ bias) (relu). a, b are 2-D or 3-D; a batch dim of 1 (or a missing
 * one) broadcasts. Returns [M, N] or [batch, M, N]. No checks here.
 *
 * With autotuning on (GPUs), the first product of a shape class without a tuned configuration also
 * times every candidate (gemm-autotune.ts); later products of the class use the fastest.
 */
export function gemmKernel(a: Tensor, b: Tensor, options: GemmOptions = {}): Tensor {
  const problem = problemOf(a, b, options);
  const batch = Math.max(problem.batchA, problem.batchB);
  const out = Tensor.empty(a.rank === 3 || b.rank === 3 ? [batch, problem.M, problem.N] : [problem.M, problem.N]);
  if (out.size === 0) return out;
  const limits = gemmLimits();
  const tuner = gemmAutotuner();
  const plan = planGemm(problem, limits, tuner?.table() ?? {}, options.config);
  runPlan(a, b, out, problem, plan, options, limits);
  // Not under a binding limit the policy lowered (tests): its panels' times are not the class's, and
  // timing thousands of panel dispatches in one command buffer crashes lavapipe.
  const lowered = runtime().policy.bindingLimit !== null;
  if (tuner && limits.variant === 'workgroup' && plan.kernel !== 'small' && !plan.tuned && options.config === undefined && !lowered) {
    tuner.tune(plan.shapeClass, problem, limits, (config) => {
      const scratch = Tensor.empty(out.shape);
      runPlan(a, b, scratch, problem, planGemm(problem, limits, {}, config), options, limits);
      return scratch;
    });
  }
  return out;
}

/**
 * What gemmKernel would run for these operands now, in words: the kernel, its configuration
 * (autotuned or default), the split of k and the panels (the bench prints it per case).
 */
export function describeGemm(a: Tensor, b: Tensor, options: GemmOptions = {}): string {
  const problem = problemOf(a, b, options);
  const limits = gemmLimits();
  const plan = planGemm(problem, limits, gemmAutotuner()?.table() ?? {}, options.config);
  const { M, N, K, transA, transB } = problem;
  if (plan.texture) {
    const out = Tensor.empty([M, N]);
    const tp = planTextureGemm(textureShape({ a, b, out, transA, transB, M, N, K, biasMode: BIAS_MODES.none, biasBuffer: a.buffer, relu: false }), textureLimits(limits.bindingLimit));
    out.dispose();
    if (tp) return `gemm_texture${tp.transposeOut ? ' (transposed)' : ''}`;
  }
  const how = plan.tuned ? 'tuned' : options.config !== undefined ? 'forced' : 'default';
  const parts = [
    plan.kernel === 'workgroup' ? `gemm_workgroup ${plan.config!.name} (${how})` : plan.kernel === 'small' ? 'gemm_small' : `gemm (registers${plan.tuned ? ', tuned' : ''})`,
  ];
  if (plan.splits > 1) parts.push(`split-k ${plan.splits}`);
  if (plan.panels.length > 1) parts.push(`${plan.panels.length} panels`);
  return parts.join(', ');
}

function runPlan(a: Tensor, b: Tensor, out: Tensor, problem: GemmProblem, plan: GemmPlan, options: GemmOptions, limits: GemmLimits): void {
  const { M, N, K, transA, transB } = problem;
  const biasMode = options.bias ? (options.biasAxis === 'row' ? BIAS_MODES.perRow : BIAS_MODES.perColumn) : BIAS_MODES.none;
  // Without a bias, binding 3 gets the head of a (read-only, like the bias): the kernel never reads it.
  const biasBuffer: Binding = options.bias?.buffer ?? { buffer: a.buffer, offset: 0, size: 16 };
  if (plan.texture) {
    const product: TextureProduct = { a, b, out, transA, transB, M, N, K, biasMode, biasBuffer, relu: !!options.relu };
    const tp = planTextureGemm(textureShape(product), textureLimits(limits.bindingLimit));
    if (tp) {
      textureGemm(oriented(product, tp));
      return;
    }
  }

  // The kernels read each operand as vec4s along its stored rows: pad rows whose length is not a
  // multiple of 4 (an O(rows·cols) copy beside the O(M·N·K) product).
  const [ba, ra, ca] = dims3(a);
  const [bb, rb, cb] = dims3(b);
  const padA = plan.a.vec4 ? padRows(a, ba * ra, ca) : null;
  const padB = plan.b.vec4 ? padRows(b, bb * rb, cb) : null;
  const ctx: Ctx = {
    transA, transB, K, plan, biasMode, biasBuffer, relu: !!options.relu, kSplit: 0,
    opA: { ...plan.a, buffer: (padA ?? a).buffer },
    opB: { ...plan.b, buffer: (padB ?? b).buffer },
    opO: { ...plan.out, buffer: out.buffer },
  };
  if (plan.splits > 1) splitK(ctx, out, M, N);
  else for (const r of plan.panels) dispatchPanel(ctx, r);
  padA?.dispose();
  padB?.dispose();
}

interface Ctx {
  transA: boolean;
  transB: boolean;
  K: number;
  opA: Operand;
  opB: Operand;
  opO: Operand;
  biasMode: BiasMode;
  biasBuffer: Binding;
  relu: boolean;
  /** k per split of a split-K product (the batch dimension then runs over splits), else 0. */
  kSplit: number;
  plan: GemmPlan;
}

/**
 * A product with too few outputs to occupy the device (fc8's 32×10 over k = 4096) runs as `splits`
 * products over ranges of k, side by side in one dispatch, whose partial sums gemm_sum adds.
 */
function splitK(c: Ctx, out: Tensor, M: number, N: number): void {
  const kc = c.plan.kSplit;
  const s = c.plan.splits;
  const part = Tensor.empty([s, M, N]);
  const split: Ctx = {
    ...c,
    opA: { ...c.opA, stride: c.transA ? kc * c.opA.ld : kc },
    opB: { ...c.opB, stride: c.transB ? kc : kc * c.opB.ld },
    opO: { ...c.opO, buffer: part.buffer, stride: M * N },
    biasMode: BIAS_MODES.none,
    relu: false,
    kSplit: kc,
  };
  // Each split's operands are described by its first k range; the strides step to the others.
  dispatchPanel(split, { b: [0, s], m: [0, M], n: [0, N], k: [0, kc] });
  const u = GEMM_SUM_PARAMS.pack({ n: M * N, splits: s, N, M, biasMode: c.biasMode, relu: c.relu ? 1 : 0 });
  runtime().dispatch(
    GEMM_SUM.spec('main'),
    { uniforms: u, buffers: [part.buffer, c.biasBuffer, out.buffer], workgroups: Math.ceil((M * N) / ELEMENT_WORKGROUP) },
  );
  part.dispose();
}

function dispatchPanel(c: Ctx, r: Range): void {
  const M = r.m[1] - r.m[0];
  const N = r.n[1] - r.n[0];
  const K = r.k[1] - r.k[0];
  const batches = r.b[1] - r.b[0];
  const bA = bindRange(c.opA, r);
  const bB = bindRange(c.opB, r);
  const bO = bindRange(c.opO, r);
  const first = r.k[0] === 0 || c.kSplit !== 0;
  const last = r.k[1] === c.K || c.kSplit !== 0;
  const vecOut = c.opO.ld % 4 === 0 && bO.offset % 4 === 0 && c.opO.stride % 4 === 0;
  // gemm.wgsl's workgroup shape (the other kernels ignore it).
  const tile = chooseTile('registers', M, N);
  const u = GEMM_PARAMS.pack({
    M,
    N,
    K: c.kSplit ? c.K : K,
    accumulate: first ? 0 : 1,
    lda: c.opA.ld,
    ldb: c.opB.ld,
    ldo: c.opO.ld,
    relu: last && c.relu ? 1 : 0,
    offA: bA.offset,
    offB: bB.offset,
    offO: bO.offset,
    offBias: c.biasMode === BIAS_MODES.perRow ? r.m[0] : r.n[0],
    strideA: c.opA.stride,
    strideB: c.opB.stride,
    strideO: c.opO.stride,
    biasMode: last ? c.biasMode : BIAS_MODES.none,
    kSplit: c.kSplit,
    vecOut: vecOut ? 1 : 0,
    transA: c.transA ? 1 : 0,
    transB: c.transB ? 1 : 0,
    wgX: tile.wgX,
  });
  const buffers = [bA.binding, bB.binding, c.biasBuffer, bO.binding];
  if (c.plan.kernel === 'small') {
    runtime().dispatch(
      GEMMS.small.spec('main'),
      { uniforms: u, buffers, workgroups: [Math.ceil((M * N) / SMALL_WORKGROUP), 1, batches] },
    );
    return;
  }
  const trans = { TRANS_A: c.transA ? 1 : 0, TRANS_B: c.transB ? 1 : 0 };
  const cfg = c.plan.config;
  if (c.plan.kernel === 'workgroup' && cfg) {
    const fit = fitsExactly(cfg, M, N, c.kSplit ? c.K : K, c.kSplit);
    runtime().dispatch(
      GEMMS.workgroup.spec('main', {
        ...trans, BM: cfg.bm, BN: cfg.bn, BK: cfg.bk, TM: cfg.tm, TN: cfg.tn, FIT: fit ? 1 : 0,
        BUFFERS: cfg.buffers, SWIZZLE: cfg.swizzle, NAMED: cfg.named ? 1 : 0,
      }),
      {
        uniforms: u,
        buffers: [bA.binding, bB.binding, c.biasBuffer, bO.binding],
        workgroups: [Math.ceil(N / cfg.bn), Math.ceil(M / cfg.bm), batches],
      },
    );
    return;
  }
  runtime().dispatch(
    GEMMS.registers.spec('main', trans),
    {
      uniforms: u,
      buffers: [bA.binding, bB.binding, c.biasBuffer, bO.binding],
      workgroups: [Math.ceil(N / (TILE_N * tile.wgX)), Math.ceil(M / (TILE_M * tile.wgY)), batches],
    },
  );
}

function bindRange(op: Operand, r: Range): { binding: { buffer: GPUBuffer; offset: number; size: number }; offset: number } {
  if (r.k[0] === r.k[1] && (op.outer === 'k' || op.inner === 'k')) {
    // K = 0: the kernel reads nothing, but a binding may not be empty.
    return { binding: { buffer: op.buffer, offset: 0, size: 16 }, offset: 0 };
  }
  const [start, end] = extent(op, r);
  const byteStart = Math.floor((start * 4) / OFFSET_ALIGN) * OFFSET_ALIGN;
  const byteEnd = Math.min(roundUp(end * 4, 16), op.buffer.size);
  return { binding: { buffer: op.buffer, offset: byteStart, size: byteEnd - byteStart }, offset: start - byteStart / 4 };
}

/** A copy of x viewed as [rows, cols] with each row padded to a multiple of 4 with zeros, or null when cols already is one. */
function padRows(x: Tensor, rows: number, cols: number): Tensor | null {
  if (cols % 4 === 0) return null;
  const cp = roundUp(cols, 4);
  const out = Tensor.empty([rows, cp]);
  // Panels of rows that fit one binding, each side bound from the aligned offset before the panel
  // (base elements ahead of it; a multiple of 4 on the output side, whose rows are).
  const perPanel = fitsOneBinding(rows * cp) ? rows : Math.max(1, Math.floor(bindableElements() / cp));
  for (let r0 = 0; r0 < rows; r0 += perPanel) {
    const n = Math.min(perPanel, rows - r0);
    const src = rangeBinding(x.buffer, r0 * cols, n * cols);
    const dst = rangeBinding(out.buffer, r0 * cp, n * cp);
    runtime().dispatch(
      GEMM_PAD.spec('main'),
      {
        uniforms: GEMM_PAD_PARAMS.pack({ rows: n, C: cols, CP4: cp / 4, base: src.base, dstBase: dst.base / 4 }),
        buffers: [src.binding, dst.binding],
        workgroups: Math.ceil((n * cp) / 4 / ELEMENT_WORKGROUP),
      },
    );
  }
  return out;
}

function problemOf(a: Tensor, b: Tensor, options: GemmOptions): GemmProblem {
  const transA = !!options.transA;
  const transB = !!options.transB;
  const [ba, ra, ca] = dims3(a);
  const [bb, rb, cb] = dims3(b);
  return { M: transA ? ca : ra, K: transA ? ra : ca, N: transB ? rb : cb, batchA: ba, batchB: bb, transA, transB };
}

function dims3(t: Tensor): [number, number, number] {
  return t.rank === 3 ? [t.shape[0], t.shape[1], t.shape[2]] : [1, t.shape[0], t.shape[1]];
}

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;
