import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { ELEMENTWISE_PARAMS } from './elementwise-params.js';

const WORKGROUP = 256;

const CAST = declareKernel({ file: 'cast', entries: ['toFloat', 'toInt'], params: ELEMENTWISE_PARAMS, workgroup: WORKGROUP });

/** x's elements as `dtype` (x is of the other dtype): cast.wgsl's toFloat or toInt. */
export function castKernel(x: Tensor, dtype: DType): Tensor {
  const out = Tensor.empty(x.shape, dtype);
  if (x.size === 0) return out;
  runtime().dispatchRanges(
    CAST.spec(dtype === 'float32' ? 'toFloat' : 'toInt', {}, `cast:${dtype}`),
    [x.buffer, out.buffer],
    x.size,
    (_, count) => ELEMENTWISE_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}
