import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { Tensor } from '../tensor/tensor.js';
import { blockBinding, blockRunsIn, BindingLimitError, limitText, type BindingLimits, type BlockPlan } from './ranges.js';
import { fmt } from '../tensor/shape.js';

const WORKGROUP = 256;

export const INDEX_SELECT_PARAMS = uniformLayout('index_select', {
  outer: 'u32', d: 'u32', inner: 'u32', k: 'u32', rowStart: 'u32', rowCount: 'u32', checks: 'u32', _p0: 'u32',
});
const INDEX_SELECT = declareKernel({ file: 'index_select', entries: ['forward', 'backward'], params: INDEX_SELECT_PARAMS, workgroup: WORKGROUP });

/** x viewed as [outer, d, inner], selected along d at index [k]. */
export interface IndexSelectGeometry {
  outer: number;
  d: number;
  inner: number;
  k: number;
}

/**
 * Plans an index_select: the runs of rows of x (or gx) that index_select.wgsl binds one at a time,
 * all d rows at once when x fits one binding, else (outer = 1 only) runs that each fit. Refuses a
 * result (of `shape`) larger than one binding, and an x that cannot be split so.
 */
export function planIndexSelect(xShape: readonly number[], shape: readonly number[], g: IndexSelectGeometry, limits: BindingLimits): BlockPlan {
  const bytes = shape.reduce((a, b) => a * b, 1) * 4;
  if (bytes > limits.maxBinding) {
    throw new BindingLimitError(
      `webgrad: indexSelect: the result ${fmt(shape)} needs ${bytes} bytes (${(bytes / 2 ** 20).toFixed(1)} MiB) in one storage binding, more than ` +
        `${limitText(limits)}; this op does not split it: use smaller tensors (batches)`,
    );
  }
  const runs = g.outer === 1 ? blockRunsIn(limits, g.d, [g.inner]) : blockRunsIn(limits, 1, [g.outer * g.d * g.inner]) && [[0, g.d] as [number, number]];
  if (!runs) {
    throw new BindingLimitError(
      `webgrad: indexSelect: x ${fmt(xShape)} is larger than one storage binding (${limitText(limits)}) and can be split only along its first axis: ` +
        'select along dim 0, or use smaller tensors',
    );
  }
  return { runs, whole: runs.length === 1 };
}

/** out [outer, k, inner] = x[o, index[k], i]; `shape` is out's. */
export function indexSelectKernel(x: Tensor, index: Tensor, g: IndexSelectGeometry, shape: readonly number[], plan: BlockPlan): Tensor {
  const out = Tensor.empty(shape, x.dtype);
  if (out.size === 0) return out;
  const { runs, whole } = plan;
  const checks = runtime().checks.binding('indexSelectIndex');
  runs.forEach((run, r) => {
    runtime().dispatch(
      INDEX_SELECT.spec('forward'),
      {
        uniforms: INDEX_SELECT_PARAMS.pack({ ...g, rowStart: run[0], rowCount: run[1], checks: r === 0 ? 1 : 0 }),
        buffers: [blockBinding(x.buffer, g.inner, run, whole), index.buffer, out.buffer, checks],
        workgroups: Math.ceil(out.size / WORKGROUP),
      },
    );
  });
  return out;
}

/** gx [outer, d, inner] (shape `xShape`): the sum of grad [outer, k, inner] over the k that select each row. */
export function indexSelectBackwardKernel(grad: Tensor, index: Tensor, g: IndexSelectGeometry, xShape: readonly number[], plan: BlockPlan): Tensor {
  const gx = Tensor.empty(xShape);
  if (gx.size === 0) return gx;
  const { runs, whole } = plan;
  for (const run of runs) {
    runtime().dispatch(
      INDEX_SELECT.spec('backward'),
      {
        uniforms: INDEX_SELECT_PARAMS.pack({ ...g, rowStart: run[0], rowCount: run[1], checks: 0 }),
        buffers: [grad.buffer, index.buffer, blockBinding(gx.buffer, g.inner, run, whole)],
        workgroups: Math.ceil((g.outer * run[1] * g.inner) / WORKGROUP),
      },
    );
  }
  return gx;
}
