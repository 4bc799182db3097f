import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from './uniforms.js';
import type { Binding } from './runtime.js';
import { chooseSplitK, chooseTile, TILE_M, TILE_N, type Tile } from './gemm-tiles.js';
import { planTextureGemm, textureGemm } from './gemm-texture.js';

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
}

/** Storage bindings start at multiples of this many bytes (minStorageBufferOffsetAlignment). */
const OFFSET_ALIGN = 256;
/** Panels split M, N and K at multiples of this (a multiple of every tile and of the vec4 width). */
const SPLIT_GRAIN = 64;

let bindingLimitOverride: number | null = null;

/**
 * Lowers the largest binding the GEMM makes (default: the device's maxStorageBufferBindingSize), so
 * that tests can exercise the panel split on small operands. `null` restores the default.
 */
export function setGemmBindingLimit(bytes: number | null): void {
  bindingLimitOverride = bytes;
}

const bindingLimit = (): number => bindingLimitOverride ?? runtime().maxStorageBinding;

/** An operand as the kernel reads (or writes) it: rows of `ld` elements. */
interface Operand {
  buffer: GPUBuffer;
  ld: number;
  /** Elements between batch entries; 0 when the operand broadcasts over the batch. */
  stride: number;
  /** Which problem dimension runs along the stored rows (outer) and within them (inner). */
  outer: Dim;
  inner: Dim;
  /** Reads whole vec4s: the end of a row range rounds up to 4. */
  vec4: boolean;
}

type Dim = 'b' | 'm' | 'n' | 'k';
type Range = Record<Dim, [number, number]>;

/**
 * out[b] = op(a[b]) · op(b[b]) (+ bias) (relu). a, b are 2-D or 3-D; a batch dim of 1 (or a missing
 * one) broadcasts. Returns [M, N] or [batch, M, N]. No checks here.
 */
export function gemmKernel(a: Tensor, b: Tensor, options: GemmOptions = {}): Tensor {
  const transA = !!options.transA;
  const transB = !!options.transB;
  const [ba, ra, ca] = dims3(a);
  const [bb, rb, cb] = dims3(b);
  const M = transA ? ca : ra;
  const K = transA ? ra : ca;
  const N = transB ? rb : cb;
  const batch = Math.max(ba, bb);
  const out = Tensor.empty(a.rank === 3 || b.rank === 3 ? [batch, M, N] : [M, N]);
  if (out.size === 0) return out;
  const rt = runtime();
  const limit = bindingLimit();
  const biasMode = options.bias ? (options.biasAxis === 'row' ? 2 : 1) : 0;
  // Without a bias, binding 3 gets the head of a (read-only, like the bias): the kernel never reads it.
  const biasBuffer: Binding = options.bias?.buffer ?? { buffer: a.buffer, offset: 0, size: 16 };
  const splits = batch === 1 ? chooseSplitK(rt.gemmVariant, rt.cpuAdapter, M, N, K) : 1;
  const plan =
    rt.gemmVariant === 'texture' && batch === 1 && splits === 1
      ? planTextureGemm({ a, b, out, transA, transB, M, N, K, biasMode, biasBuffer, relu: !!options.relu }, limit)
      : null;
  if (plan) {
    textureGemm(plan);
    return out;
  }

  // The kernel reads each operand as vec4s along its stored rows: pad rows whose length is not a
  // multiple of 4 (an O(rows·cols) copy beside the O(M·N·K) product).
  const padA = padRows(a, ba * ra, ca);
  const padB = padRows(b, bb * rb, cb);
  const ldA = roundUp(ca, 4);
  const ldB = roundUp(cb, 4);
  const opA: Operand = {
    buffer: (padA ?? a).buffer, ld: ldA, stride: ba === 1 ? 0 : ra * ldA,
    outer: transA ? 'k' : 'm', inner: transA ? 'm' : 'k', vec4: true,
  };
  const opB: Operand = {
    buffer: (padB ?? b).buffer, ld: ldB, stride: bb === 1 ? 0 : rb * ldB,
    outer: transB ? 'n' : 'k', inner: transB ? 'k' : 'n', vec4: true,
  };
  const opO: Operand = { buffer: out.buffer, ld: N, stride: batch === 1 ? 0 : M * N, outer: 'm', inner: 'n', vec4: false };

  const whole: Range = { b: [0, batch], m: [0, M], n: [0, N], k: [0, K] };
  const ctx: Ctx = { transA, transB, K, opA, opB, opO, biasMode, biasBuffer, relu: !!options.relu, kSplit: 0 };
  if (splits > 1 && [opA, opB].every((op) => bindBytes(op, whole) <= limit) && splits * M * N * 4 <= limit) {
    splitK(ctx, out, M, N, splits);
  } else {
    forEachPanel(whole, [opA, opB, opO], limit, (r) => dispatchPanel(ctx, r));
  }

  padA?.dispose();
  padB?.dispose();
  return out;
}

interface Ctx {
  transA: boolean;
  transB: boolean;
  K: number;
  opA: Operand;
  opB: Operand;
  opO: Operand;
  biasMode: number;
  biasBuffer: Binding;
  relu: boolean;
  /** k per split of a split-K product (the batch dimension then runs over splits), else 0. */
  kSplit: number;
}

/**
 * A product with too few outputs to occupy the device (fc8's 32×10 over k = 4096) runs as `splits`
 * products over ranges of k, side by side in one dispatch, whose partial sums gemm_sum adds.
 */
function splitK(c: Ctx, out: Tensor, M: number, N: number, splits: number): void {
  const kc = roundUp(Math.ceil(c.K / splits), 4);
  const s = Math.ceil(c.K / kc);
  const part = Tensor.empty([s, M, N]);
  const split: Ctx = {
    ...c,
    opA: { ...c.opA, stride: c.transA ? kc * c.opA.ld : kc },
    opB: { ...c.opB, stride: c.transB ? kc : kc * c.opB.ld },
    opO: { ...c.opO, buffer: part.buffer, stride: M * N },
    biasMode: 0,
    relu: false,
    kSplit: kc,
  };
  // Each split's operands are described by its first k range; the strides step to the others.
  dispatchPanel(split, { b: [0, s], m: [0, M], n: [0, N], k: [0, kc] });
  const u = new Uniforms().u32(M * N, s, N, M, c.biasMode, c.relu ? 1 : 0, 0, 0);
  runtime().dispatch(
    { files: ['gemm_sum'], entry: 'main' },
    { uniforms: bytesOf(u), buffers: [part.buffer, c.biasBuffer, out.buffer], workgroups: Math.ceil((M * N) / 256) },
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
  const variant = runtime().gemmVariant;
  const tile: Tile = chooseTile(variant, M, N);
  const vecOut = c.opO.ld % 4 === 0 && bO.offset % 4 === 0 && c.opO.stride % 4 === 0;
  const u = new Uniforms()
    .u32(M, N, c.kSplit ? c.K : K, first ? 0 : 1)
    .u32(c.opA.ld, c.opB.ld, c.opO.ld, last && c.relu ? 1 : 0)
    .u32(bA.offset, bB.offset, bO.offset, c.biasMode === 2 ? r.m[0] : r.n[0])
    .u32(c.opA.stride, c.opB.stride, c.opO.stride, last ? c.biasMode : 0)
    .u32(c.kSplit, vecOut ? 1 : 0, 0, 0);
  runtime().dispatch(
    {
      files: ['gemm_common', 'gemm_operands', variant === 'workgroup' ? 'gemm_tiled' : 'gemm'],
      entry: 'main',
      overrides: { TRANS_A: c.transA ? 1 : 0, TRANS_B: c.transB ? 1 : 0, WG_X: tile.wgX, WG_Y: tile.wgY },
    },
    {
      uniforms: bytesOf(u),
      buffers: [bA.binding, bB.binding, c.biasBuffer, bO.binding],
      workgroups: [Math.ceil(N / (TILE_N * tile.wgX)), Math.ceil(M / (TILE_M * tile.wgY)), batches],
    },
  );
}

/** The first and one-past-last elements an operand's reads (or writes) touch within a panel. */
function extent(op: Operand, r: Range): [number, number] {
  const [b0, b1] = op.stride === 0 ? [0, 1] : r.b;
  const [o0, o1] = r[op.outer];
  const [i0, i1] = r[op.inner];
  const start = b0 * op.stride + o0 * op.ld + i0;
  const end = (b1 - 1) * op.stride + (o1 - 1) * op.ld + (op.vec4 ? roundUp(i1, 4) : i1);
  return [start, end];
}

function bindRange(op: Operand, r: Range): { binding: { buffer: GPUBuffer; offset: number; size: number }; offset: number } {
  if (r.k[0] === r.k[1] && op.vec4) {
    // K = 0: the kernel reads nothing, but a binding may not be empty.
    return { binding: { buffer: op.buffer, offset: 0, size: 16 }, offset: 0 };
  }
  const [start, end] = extent(op, r);
  const byteStart = Math.floor((start * 4) / OFFSET_ALIGN) * OFFSET_ALIGN;
  const byteEnd = Math.min(roundUp(end * 4, 16), op.buffer.size);
  return { binding: { buffer: op.buffer, offset: byteStart, size: byteEnd - byteStart }, offset: start - byteStart / 4 };
}

const bindBytes = (op: Operand, r: Range): number => {
  const [start, end] = extent(op, r);
  return roundUp(end * 4, 16) - Math.floor((start * 4) / OFFSET_ALIGN) * OFFSET_ALIGN;
};

/**
 * Calls `emit` with panels of the problem whose every binding fits `limit` bytes, halving the
 * outermost dimension of an operand that does not fit (its batch, then its stored rows). Panels
 * that split K come out in increasing k, so the first one writes and the later ones accumulate.
 */
function forEachPanel(r: Range, ops: Operand[], limit: number, emit: (r: Range) => void): void {
  const big = ops.find((op) => bindBytes(op, r) > limit);
  if (!big) {
    emit(r);
    return;
  }
  const dim: Dim = big.stride !== 0 && r.b[1] - r.b[0] > 1 ? 'b' : big.outer;
  const [lo, hi] = r[dim];
  // M, N and K split at multiples of 4 so that every vec4 operand's panel starts on a vec4.
  const half = Math.ceil((hi - lo) / 2);
  const mid = lo + (dim === 'b' ? half : roundUp(half, hi - lo > SPLIT_GRAIN ? SPLIT_GRAIN : 4));
  if (mid >= hi) throw new Error(`webgrad: gemm: a panel of ${big.ld} floats per row cannot fit the binding limit of ${limit} bytes`);
  forEachPanel({ ...r, [dim]: [lo, mid] }, ops, limit, emit);
  forEachPanel({ ...r, [dim]: [mid, hi] }, ops, limit, emit);
}

/** A copy of x viewed as [rows, cols] with each row padded to a multiple of 4 with zeros, or null when cols already is one. */
function padRows(x: Tensor, rows: number, cols: number): Tensor | null {
  if (cols % 4 === 0) return null;
  const cp = roundUp(cols, 4);
  const out = Tensor.empty([rows, cp]);
  // Panels of rows at multiples of 64, so that both bindings start on 256-byte boundaries.
  const perPanel = Math.max(SPLIT_GRAIN, Math.floor(bindingLimit() / (cp * 4) / SPLIT_GRAIN) * SPLIT_GRAIN);
  for (let r0 = 0; r0 < rows; r0 += perPanel) {
    const n = Math.min(perPanel, rows - r0);
    const src = { buffer: x.buffer, offset: r0 * cols * 4, size: Math.min(roundUp(n * cols * 4, 16), x.buffer.size - r0 * cols * 4) };
    const dst = { buffer: out.buffer, offset: r0 * cp * 4, size: n * cp * 4 };
    runtime().dispatch(
      { files: ['gemm_pad'], entry: 'main' },
      { uniforms: bytesOf(new Uniforms().u32(n, cols, cp / 4, 0)), buffers: [src, dst], workgroups: Math.ceil((n * cp) / 4 / 256) },
    );
  }
  return out;
}

function dims3(t: Tensor): [number, number, number] {
  return t.rank === 3 ? [t.shape[0], t.shape[1], t.shape[2]] : [1, t.shape[0], t.shape[1]];
}

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;
