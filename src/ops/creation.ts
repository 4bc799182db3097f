import { WebgradError } from '../device/errors.js';
import { runtime } from '../device/current.js';
import { fillKernel, randomKernel } from '../kernels/elementwise.js';
import { checkShape, fmt, sizeOf, type Shape } from '../tensor/shape.js';
import { Storage, Tensor, type DType } from '../tensor/tensor.js';

export interface CreateOptions {
  requiresGrad?: boolean;
}

function finish(t: Tensor, options?: CreateOptions): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** A tensor holding `data` (row-major) with the given shape; `shape` defaults to [data.length]. */
export function tensor(
  data: ArrayLike<number>,
  shape?: Shape,
  options: CreateOptions & { dtype?: DType } = {},
): Tensor {
  if (data === null || typeof data !== 'object' || typeof (data as ArrayLike<number>).length !== 'number') {
    throw new WebgradError(`webgrad: tensor: data must be an array or typed array of numbers, got ${typeof data}`);
  }
  const dims = shape ?? [data.length];
  checkShape(dims, 'tensor: shape');
  if (sizeOf(dims) !== data.length) {
    throw new WebgradError(`webgrad: tensor: data has ${data.length} elements but shape ${fmt(dims)} needs ${sizeOf(dims)}`);
  }
  const dtype = options.dtype ?? 'float32';
  const values = dtype === 'int32' ? Int32Array.from(data) : data instanceof Float32Array ? data : Float32Array.from(data);
  const t = new Tensor(dims, Storage.allocate(values.byteLength), dtype);
  if (values.length > 0) runtime().upload(t.buffer, values);
  return finish(t, options);
}

export function full(shape: Shape, value: number, options?: CreateOptions): Tensor {
  checkShape(shape, 'full: shape');
  if (typeof value !== 'number') throw new WebgradError(`webgrad: full: value must be a number, got ${typeof value}`);
  return finish(fillKernel(shape, value, 0), options);
}

export const zeros = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 0, options);
export const ones = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 1, options);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0);
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1);

/** start, start+step, … below end (NumPy's arange, float32). */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new WebgradError(`webgrad: arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  return finish(fillKernel([n], start, step), options);
}

export interface RandomOptions extends CreateOptions {
  /** The same seed gives the same numbers, whatever the size or the device's dispatch shape. */
  seed?: number;
}

let autoSeed = 0x5eed;
function seedOf(options?: RandomOptions): number {
  const seed = options?.seed ?? autoSeed++;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new WebgradError(`webgrad: seed must be a non-negative safe integer, got ${seed}`);
  return seed;
}

/** Uniform on [low, high). */
export function rand(shape: Shape, options?: RandomOptions & { low?: number; high?: number }): Tensor {
  checkShape(shape, 'rand: shape');
  return finish(randomKernel('uniform', shape, seedOf(options), options?.low ?? 0, options?.high ?? 1), options);
}

/** Normal with the given mean and standard deviation (default 0, 1). */
export function randn(shape: Shape, options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  checkShape(shape, 'randn: shape');
  return finish(randomKernel('normal', shape, seedOf(options), options?.mean ?? 0, options?.std ?? 1), options);
}
