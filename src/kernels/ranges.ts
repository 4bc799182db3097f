import { runtime } from '../device/current.js';
import type { Binding } from '../runtime/runtime.js';

/**
 * Binding parts of a buffer, for kernels that split a tensor larger than one storage binding (the
 * device's maxStorageBufferBindingSize, or the policy's lower bindingLimit) into ranges.
 */

/** Whether each tensor (of `size` float32 or int32 elements) can be bound whole. */
export const fitsOneBinding = (...sizes: number[]): boolean => sizes.every((n) => n * 4 <= runtime().maxStorageBinding);

/**
 * Elements that one binding holds from any start: the limit, less the slack of binding from the
 * aligned offset before the start and of rounding the end up to 16 bytes.
 */
export function bindableElements(): number {
  const rt = runtime();
  return Math.floor(rt.maxStorageBinding / 16) * 4 - rt.gpu.limits.minStorageBufferOffsetAlignment / 4;
}

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

/** Ranges [start, count) that cover n elements, each starting at an aligned offset and fitting one binding (one range when all fit). */
export function aligned(n: number): [start: number, count: number][] {
  const rt = runtime();
  const align = rt.gpu.limits.minStorageBufferOffsetAlignment / 4;
  const step = n * 4 <= rt.maxStorageBinding ? n : Math.floor(rt.maxStorageBinding / 4 / align) * align;
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
export function blockRuns(count: number, sizes: readonly number[]): [first: number, k: number][] | null {
  if (fitsOneBinding(...sizes.map((s) => s * count))) return [[0, count]];
  const align = runtime().gpu.limits.minStorageBufferOffsetAlignment / 4;
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const step = sizes.filter((s) => s > 0).reduce((q, s) => {
    const need = align / gcd(s, align);
    return (q * need) / gcd(q, need);
  }, 1);
  const per = Math.floor(bindableElements() / Math.max(...sizes) / step) * step;
  if (per === 0) return null;
  const runs: [number, number][] = [];
  for (let first = 0; first < count; first += per) runs.push([first, Math.min(per, count - first)]);
  return runs;
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
