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
