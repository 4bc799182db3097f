import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { indexSelectBackwardKernel, indexSelectKernel, planIndexSelect, type IndexSelectGeometry } from '../kernels/index-select.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { allOrNothing } from '../graph/scope.js';
import { tensor } from './creation.js';

/** Indices for indexSelect: an int32 tensor [K] (checked on the GPU), or numbers (checked here). */
export type Indices = Tensor | ArrayLike<number>;

/** An axis of a tensor of rank `rank`, negative counting from the end; `what` names the op. */
export function checkDim(dim: unknown, rank: number, what: string): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -rank || dim >= rank) {
    throw new WebgradError(`webgrad: ${what}: dim ${String(dim)} is out of range for a tensor of rank ${rank}`);
  }
  return dim < 0 ? dim + rank : dim;
}

/**
 * The elements of x at `index` along `dim` (torch.index_select): the result has x's shape with
 * dim's size replaced by index's length, and `out[…, k, …] = x[…, index[k], …]`. x is float32 or
 * int32; index an int32 tensor [K] or numbers. Numbers are checked here; a tensor's values live on
 * the GPU, where one outside [0, x.shape[dim]) makes its elements NaN and the next readback throws
 * a WebgradError naming it (as crossEntropy's labels). The gradient sums over repeated indices in
 * a fixed order (no atomics), at a cost of K reads per element of x.
 */
export function indexSelect(x: Tensor, dim: number, index: Indices): Tensor {
  checkTensor(x, 'indexSelect: x');
  if (x.rank === 0) throw new WebgradError(`webgrad: indexSelect: x must have at least one dimension, got shape []`);
  const d = checkDim(dim, x.rank, 'indexSelect');
  const size = x.shape[d];
  // All or nothing: an index made here from numbers is freed if a check or an allocation fails.
  const [idx, g, out] = allOrNothing(() => {
    const idx = indexTensor(index, size);
    const k = idx.size;
    const g: IndexSelectGeometry = { outer: sizeOf(x.shape.slice(0, d)), d: size, inner: sizeOf(x.shape.slice(d + 1)), k };
    const shape = x.shape.map((s, j) => (j === d ? k : s));
    return [idx, g, indexSelectKernel(x, idx, g, shape, planIndexSelect(x.shape, shape, g, bindingLimits()))] as const;
  });
  const own = idx !== index;
  return record(
    out,
    'indexSelect',
    own ? [x] : [x, idx],
    (grad) => {
      // The backward plans again: it may run under another policy's binding limit.
      const gx = indexSelectBackwardKernel(grad, idx, g, x.shape, planIndexSelect(x.shape, grad.shape, g, bindingLimits()));
      return own ? [gx] : [gx, null];
    },
    own ? [idx] : [],
  );
}

/** index as an int32 tensor [K]: the caller's (checked for dtype and shape), or one made here from numbers checked against `size`. */
function indexTensor(index: Indices, size: number): Tensor {
  if (index instanceof Tensor) {
    checkTensor(index, 'indexSelect: index');
    if (index.dtype !== 'int32') throw new WebgradError(`webgrad: indexSelect: index must be int32, got ${index.dtype} (shape ${fmt(index.shape)})`);
    if (index.rank !== 1) throw new WebgradError(`webgrad: indexSelect: index must be one-dimensional [K], got ${fmt(index.shape)}`);
    return index;
  }
  if (index === null || typeof index !== 'object' || typeof (index as ArrayLike<number>).length !== 'number') {
    throw new WebgradError(`webgrad: indexSelect: index must be an int32 Tensor or an array of indices, got ${index === null ? 'null' : typeof index}`);
  }
  for (let i = 0; i < index.length; i++) {
    const v = index[i];
    if (!Number.isInteger(v) || v < 0 || v >= size) throw new WebgradError(`webgrad: indexSelect: index[${i}] = ${v} is out of range [0, ${size})`);
  }
  return tensor(index instanceof Int32Array ? index : Int32Array.from(index), [index.length], { dtype: 'int32' });
}
