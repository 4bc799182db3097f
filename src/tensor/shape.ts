import { WebgradError } from '../errors.js';
import { hasRuntime, runtime } from '../device/current.js';

export type Shape = readonly number[];

export const fmt = (shape: Shape): string => `[${shape.join(', ')}]`;

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws unless every dimension is a non-negative integer. `what` names the argument. */
export function checkShape(shape: Shape, what: string): void {
  if (!Array.isArray(shape)) throw new WebgradError(`webgrad: ${what} must be an array of dimensions, got ${typeof shape === 'string' ? JSON.stringify(shape) : String(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new WebgradError(`webgrad: ${what} ${fmt(shape)} has a dimension that is not a non-negative integer (${typeof d === 'string' ? JSON.stringify(d) : String(d)})`);
    }
  }
  if (shape.length > 8) throw new WebgradError(`webgrad: ${what} ${fmt(shape)} has more than 8 dimensions`);
  checkAllocation(sizeOf(shape) * 4, `${what} ${fmt(shape)}`);
}

/**
 * Refuses, before anything reaches the device, a buffer larger than its `maxBufferSize` (which
 * would fail on the GPU and poison every later op) or whose size is not a safe integer.
 * `what` names the op and shape asking for it.
 */
export function checkAllocation(bytes: number, what: string): void {
  if (!Number.isSafeInteger(bytes)) {
    throw new WebgradError(`webgrad: ${what} has ${bytes / 4} elements, more than can be counted exactly (2^53); no device holds that`);
  }
  if (!hasRuntime()) return;
  const limit = runtime().gpu.limits.maxBufferSize;
  if (bytes > limit) {
    throw new WebgradError(
      `webgrad: ${what} needs ${bytes} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB), more than the device's maxBufferSize of ${limit} bytes (${(limit / 2 ** 30).toFixed(2)} GiB)`,
    );
  }
}

/** Contiguous (row-major) strides. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** NumPy's broadcast of two shapes, or an error naming both. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new WebgradError(`webgrad: ${op}: shapes a ${fmt(a)} and b ${fmt(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides for reading `shape` as if broadcast to `target` (0 along broadcast dimensions). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}

/** Normalises axes (negative counts from the end; undefined means all) and checks them. */
export function normaliseAxes(axes: number | readonly number[] | undefined, rank: number, what: string): number[] {
  if (axes !== undefined && axes !== null && typeof axes !== 'number' && !Array.isArray(axes)) {
    throw new WebgradError(`webgrad: ${what}: axes must be an integer or an array of integers, got ${typeof axes === 'string' ? JSON.stringify(axes) : String(axes)}`);
  }
  const list = axes === undefined || axes === null ? [...Array(rank).keys()] : typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => {
    if (typeof a !== 'number' || !Number.isInteger(a)) throw new WebgradError(`webgrad: ${what}: axis ${typeof a === 'string' ? JSON.stringify(a) : String(a)} is not an integer`);
    // A scalar takes axis 0 or -1, as PyTorch's dims wrap for 0-d tensors.
    if (a < -Math.max(rank, 1) || a >= Math.max(rank, 1)) {
      throw new WebgradError(`webgrad: ${what}: axis ${a} is out of range for a tensor of rank ${rank}`);
    }
    return a < 0 ? a + Math.max(rank, 1) : a;
  });
  if (new Set(out).size !== out.length) throw new WebgradError(`webgrad: ${what}: axes [${list.join(', ')}] repeat`);
  // A scalar's axis 0 is no dimension of it: reducing over it reduces nothing.
  if (rank === 0) return [];
  return out.sort((x, y) => x - y);
}
