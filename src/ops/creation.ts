import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { fillKernel, randomKernel } from '../kernels/elementwise.js';
import { checkSeed } from '../runtime/generator.js';
import { checkShape, fmt, sizeOf, type Shape } from '../tensor/shape.js';
import { checkTensor, Storage, Tensor, type DType } from '../tensor/tensor.js';

export interface CreateOptions {
  requiresGrad?: boolean;
}

function finish(t: Tensor, options?: CreateOptions): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Numbers for `tensor()`: a flat or typed array, nested arrays (the shape is inferred, as torch.tensor), or one number. */
export type TensorData = number | ArrayLike<number> | readonly TensorData[];

const DTYPES: readonly DType[] = ['float32', 'int32'];

const at = (path: readonly number[]): string => `data${path.map((i) => `[${i}]`).join('')}`;

/** Flattens `data`, inferring its shape; refuses ragged nesting and anything but numbers. */
function flatten(data: unknown, dtype: DType): { values: ArrayLike<number>; shape: number[] } {
  if (typeof data === 'number') return { values: [data], shape: [] };
  if (ArrayBuffer.isView(data)) {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array || data instanceof DataView) {
      throw new WebgradError(`webgrad: tensor: data must hold numbers, got a ${data.constructor.name}`);
    }
    return { values: data as unknown as ArrayLike<number>, shape: [(data as unknown as ArrayLike<number>).length] };
  }
  if (!Array.isArray(data)) {
    const shown = typeof data === 'string' ? `the string ${JSON.stringify(data.slice(0, 40))}` : data === null ? 'null' : typeof data;
    throw new WebgradError(`webgrad: tensor: data must be a number, an array (possibly nested) or a typed array of numbers, got ${shown}`);
  }
  // The shape is read down the first elements, then every element is checked against it.
  const shape: number[] = [];
  for (let v: unknown = data; Array.isArray(v); v = v[0]) shape.push(v.length);
  const values: number[] = [];
  // The index of the element being read, for errors (one array, not one per element).
  const path: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new WebgradError(`webgrad: tensor: data is ragged: ${at(path)} is an array where a number was expected (shape ${JSON.stringify(shape)} from the first elements)`);
      if (typeof v !== 'number') {
        const shown = typeof v === 'string' ? `the string ${JSON.stringify(v)}` : v === null ? 'null' : typeof v;
        throw new WebgradError(`webgrad: tensor: ${at(path)} is ${shown}, not a number`);
      }
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `${v.length} entries` : `not an array (${typeof v})`;
      throw new WebgradError(`webgrad: tensor: data is ragged: ${at(path)} has ${got} but ${at([...path.slice(0, -1), 0])} has ${shape[depth]}`);
    }
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walk(v[i], depth + 1);
      path.pop();
    }
  };
  walk(data, 0);
  if (dtype === 'int32') checkInt32(values);
  return { values, shape };
}

function checkInt32(values: ArrayLike<number>): void {
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array || values instanceof Uint8Array || values instanceof Uint16Array) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new WebgradError(`webgrad: tensor: data element ${i} = ${v} is not an int32 value (dtype int32)`);
  }
}

/**
 * A tensor holding `data`. Nested arrays give their shape (`tensor([[1, 2], [3, 4]])` is [2, 2]),
 * a flat array [length] unless `shape` says otherwise (row-major), a number a scalar [].
 * The options may come second: `tensor([1, 2], { requiresGrad: true })`.
 */
export function tensor(
  data: TensorData,
  shape?: Shape | (CreateOptions & { dtype?: DType }),
  options: CreateOptions & { dtype?: DType } = {},
): Tensor {
  if (shape !== undefined && shape !== null && !Array.isArray(shape) && typeof shape === 'object') {
    options = shape as CreateOptions & { dtype?: DType };
    shape = undefined;
  }
  if (options === null || typeof options !== 'object') throw new WebgradError(`webgrad: tensor: options must be an object, got ${String(options)}`);
  const dtype = options.dtype ?? 'float32';
  if (!DTYPES.includes(dtype)) throw new WebgradError(`webgrad: tensor: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  if (options.requiresGrad && dtype !== 'float32') throw new WebgradError(`webgrad: tensor: only float32 tensors can require grad, got dtype ${dtype}`);
  const flat = flatten(data, dtype);
  if (dtype === 'int32' && ArrayBuffer.isView(data)) checkInt32(flat.values);
  const dims = (shape as Shape | undefined) ?? flat.shape;
  checkShape(dims, 'tensor: shape');
  if (sizeOf(dims) !== flat.values.length) {
    const nested = flat.shape.length > 1 ? ` (nested as ${fmt(flat.shape)})` : '';
    throw new WebgradError(`webgrad: tensor: data has ${flat.values.length} elements${nested} but shape ${fmt(dims)} needs ${sizeOf(dims)}`);
  }
  const src = flat.values;
  const values = dtype === 'int32' ? (src instanceof Int32Array ? src : Int32Array.from(src)) : src instanceof Float32Array ? src : Float32Array.from(src);
  const t = new Tensor(dims, Storage.allocate(values.byteLength, () => `a ${dtype} tensor of shape ${fmt(dims)}`), dtype);
  if (values.length > 0) runtime().upload(t.buffer, values);
  return finish(t, options);
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new WebgradError(`webgrad: ${what} must be a finite number, got ${String(v)}`);
  return v;
}

function filled(what: string, shape: Shape, value: number, options?: CreateOptions): Tensor {
  checkShape(shape, `${what}: shape`);
  if (typeof value !== 'number') throw new WebgradError(`webgrad: ${what}: value must be a number, got ${typeof value}`);
  return finish(fillKernel(shape, value, 0), options);
}

export const full = (shape: Shape, value: number, options?: CreateOptions): Tensor => filled('full', shape, value, options);
export const zeros = (shape: Shape, options?: CreateOptions): Tensor => filled('zeros', shape, 0, options);
export const ones = (shape: Shape, options?: CreateOptions): Tensor => filled('ones', shape, 1, options);
export function zerosLike(t: Tensor): Tensor {
  checkTensor(t, 'zerosLike: t');
  return full(t.shape, 0);
}
export function onesLike(t: Tensor): Tensor {
  checkTensor(t, 'onesLike: t');
  return full(t.shape, 1);
}

/** start, start+step, … below end (NumPy's arange, float32). */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [['start', start], ['end', end]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new WebgradError(`webgrad: arange: ${name} must be a finite number, got ${String(v)}`);
  }
  if (typeof step !== 'number' || step === 0 || !Number.isFinite(step)) throw new WebgradError(`webgrad: arange: step must be a finite non-zero number, got ${step}`);
  if ((end - start) * step < 0) {
    throw new WebgradError(`webgrad: arange: a step of ${step} never goes from ${start} to ${end} (the bounds and the step's sign disagree)`);
  }
  const n = Math.ceil((end - start) / step);
  checkShape([n], 'arange: shape');
  return finish(fillKernel([n], start, step), options);
}

export interface RandomOptions extends CreateOptions {
  /**
   * The same seed gives the same numbers, whatever the size or the device's dispatch shape. Default:
   * the next seed from the device's generator (see manualSeed).
   */
  seed?: number;
}

/** The seed given, else the next from the device's generator (see manualSeed). */
function seedOf(options: RandomOptions | undefined, what: string): number {
  return options?.seed === undefined ? runtime().generator.nextSeed() : checkSeed(options.seed, `${what}: seed`);
}

/** Uniform on [low, high). */
export function rand(shape: Shape, options?: RandomOptions & { low?: number; high?: number }): Tensor {
  checkShape(shape, 'rand: shape');
  const low = finite(options?.low ?? 0, 'rand: low');
  const high = finite(options?.high ?? 1, 'rand: high');
  if (!(low <= high)) throw new WebgradError(`webgrad: rand: low ${low} must not exceed high ${high}`);
  return finish(randomKernel('uniform', shape, seedOf(options, 'rand'), options?.low ?? 0, options?.high ?? 1), options);
}

/** Normal with the given mean and standard deviation (default 0, 1). */
export function randn(shape: Shape, options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  checkShape(shape, 'randn: shape');
  finite(options?.mean ?? 0, 'randn: mean');
  if (!(finite(options?.std ?? 1, 'randn: std') >= 0)) throw new WebgradError(`webgrad: randn: std must be >= 0, got ${options?.std}`);
  return finish(randomKernel('normal', shape, seedOf(options, 'randn'), options?.mean ?? 0, options?.std ?? 1), options);
}
