import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { indexSelectBackwardKernel, indexSelectKernel, planIndexSelect, type IndexSelectGeometry } from '../kernels/index-select.js';
import { bindingLimits } from '../kernels/ranges.js';
import { fmt } from '../tensor/shape.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { checkTensor, view, type Tensor } from '../tensor/tensor.js';
import { tensor } from './creation.js';
import { mul } from './elementwise.js';

export interface EmbeddingOptions {
  /** A row whose gradient stays zero (PyTorch's padding_idx); negative counts from the end. */
  paddingIdx?: number | null;
}

/** paddingIdx as a row of a [numEmbeddings, …] weight, or null; negative counts from the end, as PyTorch's. */
export function checkPaddingIdx(paddingIdx: number | null | undefined, numEmbeddings: number, what: string): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
    throw new WebgradError(`webgrad: ${what}: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}), got ${String(paddingIdx)}`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/**
 * torch.nn.functional.embedding: the rows of weight [numEmbeddings, dim] at the int32 indices of
 * `input` (any shape), giving [...input.shape, dim]. Indices are checked on the GPU, as indexSelect's:
 * one outside [0, numEmbeddings) makes its row NaN and the next readback throws naming it. The
 * weight's gradient sums the rows' gradients over repeated indices in a fixed order (indexSelect's
 * backward, K reads per element of the weight), and the paddingIdx row gets none.
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkTensor(input, 'embedding: input');
  checkTensor(weight, 'embedding: weight', 'float32');
  if (input.dtype !== 'int32') throw new WebgradError(`webgrad: embedding: input must hold int32 indices, got ${input.dtype} (shape ${fmt(input.shape)})`);
  if (weight.rank !== 2) throw new WebgradError(`webgrad: embedding: weight must be 2-D [numEmbeddings, embeddingDim], got ${fmt(weight.shape)}`);
  const [rows, dim] = weight.shape;
  const padding = checkPaddingIdx(options?.paddingIdx, rows, 'embedding');
  const k = input.size;
  const g: IndexSelectGeometry = { outer: 1, d: rows, inner: dim, k };
  const shape = [...input.shape, dim];
  // Its binding check: the result bound whole, the weight split by rows where it is larger than a binding.
  const plan = planIndexSelect(weight.shape, shape, g, bindingLimits());
  const [index, out] = allOrNothing(() => {
    const index = view(input, [k]);
    return [index, indexSelectKernel(weight, index, g, shape, plan)] as const;
  });
  return record(
    out,
    'embedding',
    [weight],
    (grad) =>
      tidy(() => {
        const gw = indexSelectBackwardKernel(view(grad, [k, dim]), index, g, weight.shape, planIndexSelect(weight.shape, [k, dim], g, bindingLimits()));
        if (padding === null) return [gw];
        const keepRows = new Float32Array(rows).fill(1);
        keepRows[padding] = 0;
        return [mul(gw, tensor(keepRows, [rows, 1]))];
      }),
    [index],
  );
}
