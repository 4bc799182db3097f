import { runtime } from '../device/current.js';
import { WebgradError } from '../errors.js';
import type { Binding } from '../runtime/runtime.js';

/**
 * The one splitter: how kernels cut tensors larger than one storage binding (the device's
 * maxStorageBufferBindingSize, or the policy's lower bindingLimit) into ranges. The planners of
 * the kernel families call the pure forms here with the limits given (a test gives them without
 * a device); `bindingLimits()` reads the current runtime's.
 */

/** What one storage binding may hold: its bytes, where that limit comes from, the offset alignment in elements. */
export interface BindingLimits {
  maxBinding: number;
  /** Whether the policy's bindingLimit lowered the device's (for messages). */
  lowered: boolean;
  /** minStorageBufferOffsetAlignment, in 4-byte elements. */
  align: number;
}

/** The current runtime's binding limits. */
export function bindingLimits(): BindingLimits {
  const rt = runtime();
  return { maxBinding: rt.maxStorageBinding, lowered: rt.maxStorageBinding < rt.gpu.limits.maxStorageBufferBindingSize, align: rt.gpu.limits.minStorageBufferOffsetAlignment / 4 };
}

/** The limit in force, for messages: the device's, or the policy's lower one. */
export function limitText(l: BindingLimits): string {
  const source = l.lowered ? "the policy's bindingLimit" : "the device's maxStorageBufferBindingSize";
  return `${source} of ${l.maxBinding} bytes (${(l.maxBinding / 2 ** 20).toFixed(1)} MiB)`;
}

/**
 * A planner's refusal: the tensor named cannot be bound, nor split into ranges that can, under the
 * limit named. Thrown before any GPU work.
 */
export class BindingLimitError extends WebgradError {
  constructor(message: string) {
    super(message);
    this.name = 'BindingLimitError';
  }
}

/** Whether each tensor (of `size` float32 or int32 elements) can be bound whole. */
export const fitsOne = (l: BindingLimits, ...sizes: number[]): boolean => sizes.every((n) => n * 4 <= l.maxBinding);

/**
 * Elements that one binding holds from any start: the limit, less the slack of binding from the
 * aligned offset before the start and of rounding the end up to 16 bytes.
 */
export const bindableIn = (l: BindingLimits): number => Math.floor(l.maxBinding / 16) * 4 - l.align;

/** Ranges [start, count) that cover n elements, each starting at an aligned offset and fitting one binding (one range when all fit). */
export function alignedRanges(l: BindingLimits, n: number): [start: number, count: number][] {
  const step = n * 4 <= l.maxBinding ? n : Math.floor(l.maxBinding / 4 / l.align) * l.align;
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += step) out.push([start, Math.min(step, n - start)]);
  return out;
}

/**
 * Splits `count` equal blocks (planes, samples) that span `sizes[i]` elements each in the i-th
 * buffer a kernel binds into runs [first, k) of blocks, for kernels whose blocks are independent:
 * each run starts at an aligned offset in every buffer (so the kernel indexes from its binding's
 * start, unchanged) and fits one binding. One run when every buffer fits whole; null when not even
 * the shortest aligned run fits.
 */
export function blockRunsIn(l: BindingLimits, count: number, sizes: readonly number[]): [first: number, k: number][] | null {
  if (fitsOne(l, ...sizes.map((s) => s * count))) return [[0, count]];
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const step = sizes.filter((s) => s > 0).reduce((q, s) => {
    const need = l.align / gcd(s, l.align);
    return (q * need) / gcd(q, need);
  }, 1);
  const per = Math.floor(bindableIn(l) / Math.max(...sizes) / step) * step;
  if (per === 0) return null;
  return runsOf(count, per);
}

/**
 * Splits `count` slabs of `size` elements each into runs [first, k) that each fit one binding from
 * any start (bound with rangeBinding, the kernel told where its run starts): every slab at once
 * when `wholeSize` (all the tensors' elements) fits; null when not even one slab does.
 */
export function slabRuns(l: BindingLimits, count: number, size: number, wholeSize = count * size): [first: number, k: number][] | null {
  const per = fitsOne(l, wholeSize) ? count : Math.floor(bindableIn(l) / size);
  if (per === 0) return count === 0 ? [] : null;
  return runsOf(count, per);
}

function runsOf(count: number, per: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let first = 0; first < count; first += per) runs.push([first, Math.min(per, count - first)]);
  return runs;
}

/**
 * The plan of a kernel that binds each tensor whole (one dispatch, no split: gather, where, the
 * losses, prepareImages): refuses, naming the first of `tensors` ([what, shape]: `what` names the
 * op and the tensor) larger than one binding, which would fail on the GPU and poison every later op.
 */
export function requireWhole(limits: BindingLimits, ...tensors: [what: string, shape: readonly number[]][]): void {
  for (const [what, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    if (bytes <= limits.maxBinding) continue;
    throw new BindingLimitError(
      `webgrad: ${what} [${shape.join(', ')}] needs ${bytes} bytes (${(bytes / 2 ** 20).toFixed(1)} MiB) in one storage binding, more than ` +
        `${limitText(limits)}; this op does not split it: use smaller tensors (batches)`,
    );
  }
}

/** Whether each tensor (of `size` float32 or int32 elements) can be bound whole, under the current limits. */
export const fitsOneBinding = (...sizes: number[]): boolean => fitsOne(bindingLimits(), ...sizes);

/** bindableIn under the current limits. */
export const bindableElements = (): number => bindableIn(bindingLimits());

/**
 * A binding of elements [start, start + count) of `buffer`, from the aligned offset at or before
 * start; `base` is where start lies in it.
 */
export function rangeBinding(buffer: GPUBuffer, start: number, count: number): { binding: Binding; base: number } {
  const align = runtime().gpu.limits.minStorageBufferOffsetAlignment / 4;
  const first = start - (start % align);
  const base = start - first;
  const size = Math.min(Math.ceil(((base + count) * 4) / 16) * 16, buffer.size - first * 4);
  return { binding: { buffer, offset: first * 4, size }, base };
}

/**
 * The binding of blocks [first, first + k) (of `size` elements each) of `buffer`: whole when `whole`.
 * It reaches 16 bytes past the run where the buffer has them, as a whole buffer would for kernels
 * that read aligned vec4s across a row's end (and discard what lies beyond).
 */
export function blockBinding(buffer: GPUBuffer, size: number, [first, k]: [number, number], whole: boolean): Binding {
  if (whole) return buffer;
  const offset = first * size * 4;
  return { buffer, offset, size: Math.min(Math.ceil((k * size * 4) / 16) * 16 + 16, buffer.size - offset) };
}

/** The runs of a plan over independent blocks, and whether its one run binds every tensor whole. */
export interface BlockPlan {
  runs: [first: number, k: number][];
  whole: boolean;
}

/**
 * The plan of a kernel over `count` independent blocks of `sizes` elements (blockRunsIn), or the
 * refusal `refuse(limitText)` when not even one aligned block fits a binding.
 */
export function planBlocks(l: BindingLimits, count: number, sizes: readonly number[], refuse: (limit: string) => string): BlockPlan {
  const runs = blockRunsIn(l, count, sizes);
  if (!runs) throw new BindingLimitError(refuse(limitText(l)));
  return { runs, whole: runs.length === 1 };
}

/** The plan of a kernel over `count` slabs of `size` elements (slabRuns), or the refusal. */
export function planSlabs(l: BindingLimits, count: number, size: number, refuse: (limit: string) => string, wholeSize = count * size): BlockPlan {
  const runs = slabRuns(l, count, size, wholeSize);
  if (!runs) throw new BindingLimitError(refuse(limitText(l)));
  return { runs, whole: runs.length <= 1 && fitsOne(l, wholeSize) };
}
