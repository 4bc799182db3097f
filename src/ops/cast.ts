import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { castKernel } from '../kernels/cast.js';
import { checkTensor, view, type DType, type Tensor } from '../tensor/tensor.js';

const DTYPES: readonly DType[] = ['float32', 'int32'];

/**
 * x as `dtype` (PyTorch's Tensor.to(dtype)): int32 → float32 rounds to nearest (exact below 2²⁴);
 * float32 → int32 rounds toward zero, as PyTorch's `.int()`, with NaN giving 0 and values beyond
 * int32 saturating (PyTorch leaves those undefined). A cast to x's own dtype gives a new handle on
 * the same elements (disposing one leaves the other), with the gradient passing through. A cast
 * between dtypes carries no gradient: int32 tensors have none.
 */
export function toDtype(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, 'toDtype: x');
  if (!DTYPES.includes(dtype)) throw new WebgradError(`webgrad: toDtype: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  if (dtype === x.dtype) return record(view(x, x.shape), 'toDtype', [x], (g) => [g]);
  return castKernel(x, dtype);
}

/** x as float32 (PyTorch's Tensor.float()); see toDtype. */
export const float = (x: Tensor): Tensor => toDtype(x, 'float32');

/** x as int32, rounding toward zero (PyTorch's Tensor.int()); see toDtype. */
export const int = (x: Tensor): Tensor => toDtype(x, 'int32');
