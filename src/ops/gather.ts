import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { gatherBackwardKernel, gatherKernel } from '../kernels/gather.js';
import { fmt } from '../tensor/shape.js';
import { bindingLimits, requireWhole } from '../kernels/ranges.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { checkDim } from './index-select.js';

/** Ranks the kernel's uniforms hold. */
const MAX_RANK = 8;

/**
 * Values of x along `dim` at `index` (torch.gather): index is int32 with x's rank and, off `dim`,
 * sizes at most x's; the result has index's shape, with `out[c] = x[c with c_dim = index[c]]`.
 * x is float32 or int32. An index outside [0, x.shape[dim]) is found on the GPU: its element is
 * NaN and the next readback throws a WebgradError naming it. The gradient (scatter-add) sums in a
 * fixed order (no atomics), at a cost of index.shape[dim] reads per element of x.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'gather: x');
  checkTensor(index, 'gather: index');
  if (index.dtype !== 'int32') throw new WebgradError(`webgrad: gather: index must be int32, got ${index.dtype} (shape ${fmt(index.shape)})`);
  if (x.rank === 0 || x.rank > MAX_RANK) throw new WebgradError(`webgrad: gather: x must have 1 to ${MAX_RANK} dimensions, got ${fmt(x.shape)}`);
  const d = checkDim(dim, x.rank, 'gather');
  if (index.rank !== x.rank) {
    throw new WebgradError(`webgrad: gather: index ${fmt(index.shape)} must have x's rank (x ${fmt(x.shape)})`);
  }
  index.shape.forEach((s, j) => {
    if (j !== d && s > x.shape[j]) {
      throw new WebgradError(`webgrad: gather: index ${fmt(index.shape)} is larger than x ${fmt(x.shape)} along dimension ${j} (only dim ${d} may differ)`);
    }
  });
  requireWhole(bindingLimits(), ['gather: x', x.shape], ['gather: index', index.shape]);
  const out = gatherKernel(x, d, index);
  return record(out, 'gather', [x, index], (grad) => [gatherBackwardKernel(grad, d, index, x.shape), null]);
}
