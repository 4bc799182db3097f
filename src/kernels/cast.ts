import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { Tensor, type DType } from '../tensor/tensor.js';

const WORKGROUP = 256;

export const CAST_PARAMS = uniformLayout('cast', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });
const CAST = declareKernel({ file: 'cast', entries: ['toFloat', 'toInt'], params: CAST_PARAMS, workgroup: WORKGROUP });

/** x's elements as `dtype` (x is of the other dtype): cast.wgsl's toFloat or toInt. */
export function castKernel(x: Tensor, dtype: DType): Tensor {
  const out = Tensor.empty(x.shape, dtype);
  if (x.size === 0) return out;
  runtime().dispatchRanges(
    CAST.spec(dtype === 'float32' ? 'toFloat' : 'toInt', {}, `cast:${dtype}`),
    [x.buffer, out.buffer],
    x.size,
    (_, count) => CAST_PARAMS.pack({ n: count }),
    WORKGROUP,
  );
  return out;
}
