import { WebgradError } from '../errors.js';
import { indexSelect } from '../ops/index-select.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, describe, Tensor } from '../tensor/tensor.js';

/** Values on the host with their shape (row-major): one field of a sample, or of a batch (leading dimension the batch). */
export interface HostArray {
  data: Float32Array | Int32Array;
  shape: readonly number[];
}

/**
 * One field of a sample, as `Dataset.get` returns it; a DataLoader stacks each field over a batch:
 * - a number: a class label, stacked into an int32 tensor [B] (it must be an integer; give a
 *   float as a one-element Float32Array);
 * - a Float32Array or Int32Array of length L: stacked into [B, L] of its dtype;
 * - a HostArray { data, shape }: stacked into [B, ...shape].
 */
export type SampleField = number | Float32Array | Int32Array | HostArray;

/**
 * One field of a batch, as `Dataset.getBatch` returns it, with the batch as its leading dimension:
 * a GPU Tensor [B, …] (the DataLoader takes it over and disposes it after the step), a HostArray
 * { data, shape: [B, …] }, or a typed array or array of B numbers ([B]; plain numbers are int32 labels).
 */
export type BatchField = Tensor | HostArray | Float32Array | Int32Array | readonly number[];

/** Where a batch stands in its loader, for datasets whose batches draw random numbers (augmentation). */
export interface BatchInfo {
  epoch: number;
  /** The batch's position in its epoch, from 0. */
  batch: number;
}

/**
 * What a DataLoader reads, as PyTorch's map-style Dataset: `length` samples, each read by
 * `get(i)` (its fields; the loader stacks them) or, faster, a whole batch at once by
 * `getBatch(indices, info)` (fields whose leading dimension is the batch). Give either; a loader
 * uses getBatch when there is one.
 */
export interface Dataset {
  readonly length: number;
  get?(index: number): readonly SampleField[];
  getBatch?(indices: Int32Array, info: BatchInfo): readonly BatchField[];
}

/**
 * PyTorch's TensorDataset: tensors (on the GPU) whose first dimension indexes the samples; sample
 * i is the i-th row of each. A batch is one indexSelect per tensor, on the GPU.
 */
export class TensorDataset implements Dataset {
  readonly tensors: readonly Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new WebgradError('webgrad: TensorDataset: give at least one tensor');
    tensors.forEach((t, i) => {
      checkTensor(t, `TensorDataset: tensors[${i}]`);
      if (t.rank === 0) throw new WebgradError(`webgrad: TensorDataset: tensors[${i}] must have a first dimension indexing the samples, got shape []`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new WebgradError(`webgrad: TensorDataset: every tensor must have ${n} samples (tensors[0] ${fmt(tensors[0].shape)}), but tensors[${i}] is ${fmt(t.shape)}`);
      }
    });
    this.tensors = tensors;
    this.length = n;
  }

  /** The rows at `indices` of each tensor, as new tensors (checked here, gathered on the GPU). */
  getBatch(indices: Int32Array): Tensor[] {
    return this.tensors.map((t) => indexSelect(t, 0, indices));
  }
}

/** Stacks `samples` (each `get(i)`'s fields) into one tensor per field. */
export function collate(samples: readonly (readonly SampleField[])[], indices: Int32Array, toTensor: (h: HostArray) => Tensor): Tensor[] {
  const b = samples.length;
  const first = samples[0];
  if (!Array.isArray(first)) throw new WebgradError(`webgrad: DataLoader: dataset.get(${indices[0]}) must return an array of fields, got ${describe(first)}`);
  const out: Tensor[] = [];
  try {
    for (let f = 0; f < first.length; f++) {
      const layout = fieldLayout(first[f], `dataset.get(${indices[0]})[${f}]`);
      const data = layout.dtype === 'int32' ? new Int32Array(b * layout.size) : new Float32Array(b * layout.size);
      samples.forEach((sample, k) => {
        const what = `dataset.get(${indices[k]})[${f}]`;
        if (!Array.isArray(sample) || sample.length !== first.length) {
          throw new WebgradError(`webgrad: DataLoader: dataset.get(${indices[k]}) has ${Array.isArray(sample) ? sample.length : 'no'} fields, dataset.get(${indices[0]}) ${first.length}`);
        }
        const l = fieldLayout(sample[f], what);
        if (l.dtype !== layout.dtype || fmt(l.shape) !== fmt(layout.shape)) {
          throw new WebgradError(`webgrad: DataLoader: ${what} is ${l.dtype} ${fmt(l.shape)}, but dataset.get(${indices[0]})[${f}] is ${layout.dtype} ${fmt(layout.shape)}`);
        }
        data.set(l.values, k * layout.size);
      });
      out.push(toTensor({ data, shape: [b, ...layout.shape] }));
    }
  } catch (error) {
    for (const t of out) t.dispose();
    throw error;
  }
  return out;
}

function fieldLayout(v: SampleField, what: string): { dtype: 'float32' | 'int32'; shape: number[]; size: number; values: ArrayLike<number> } {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) {
      throw new WebgradError(`webgrad: DataLoader: ${what} = ${v}: a number field is an int32 label; give a float as a one-element Float32Array`);
    }
    return { dtype: 'int32', shape: [], size: 1, values: [v] };
  }
  if (v instanceof Float32Array || v instanceof Int32Array) {
    return { dtype: v instanceof Int32Array ? 'int32' : 'float32', shape: [v.length], size: v.length, values: v };
  }
  if (v !== null && typeof v === 'object' && (v.data instanceof Float32Array || v.data instanceof Int32Array) && Array.isArray(v.shape)) {
    const size = v.shape.reduce((a, d) => a * d, 1);
    if (size !== v.data.length) throw new WebgradError(`webgrad: DataLoader: ${what} has ${v.data.length} values but shape ${fmt(v.shape)} needs ${size}`);
    return { dtype: v.data instanceof Int32Array ? 'int32' : 'float32', shape: [...v.shape], size, values: v.data };
  }
  if (v instanceof Tensor) throw new WebgradError(`webgrad: DataLoader: ${what} is a GPU Tensor; get() returns host values (numbers, typed arrays, { data, shape }): return tensors from getBatch() instead`);
  throw new WebgradError(`webgrad: DataLoader: ${what} must be a number, a Float32Array or Int32Array, or { data, shape }, got ${describe(v)}`);
}
