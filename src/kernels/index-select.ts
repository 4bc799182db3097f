import { runtime } from '../device/current.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';
import { Tensor } from '../tensor/tensor.js';
import { blockBinding, blockRuns } from './ranges.js';

const WORKGROUP = 256;

export const INDEX_SELECT_PARAMS = uniformLayout('index_select', {
  outer: 'u32', d: 'u32', inner: 'u32', k: 'u32', rowStart: 'u32', rowCount: 'u32', checks: 'u32', _p0: 'u32',
});

/** x viewed as [outer, d, inner], selected along d at index [k]. */
export interface IndexSelectGeometry {
  outer: number;
  d: number;
  inner: number;
  k: number;
}

/**
 * The runs of rows of x (or gx) that index_select.wgsl binds one at a time: all d rows at once when
 * x fits one binding, else (outer = 1 only) runs that each fit; null when they cannot.
 */
export function indexSelectRuns(g: IndexSelectGeometry): [first: number, k: number][] | null {
  if (g.outer === 1) return blockRuns(g.d, [g.inner]);
  return blockRuns(1, [g.outer * g.d * g.inner]) && [[0, g.d]];
}

/** out [outer, k, inner] = x[o, index[k], i]; `shape` is out's. Runs checked by the caller (indexSelectRuns). */
export function indexSelectKernel(x: Tensor, index: Tensor, g: IndexSelectGeometry, shape: readonly number[]): Tensor {
  const out = Tensor.empty(shape, x.dtype);
  if (out.size === 0) return out;
  const runs = indexSelectRuns(g)!;
  runs.forEach((run, r) => {
    runtime().dispatch(
      { files: ['grid', 'index_check', 'index_select'], entry: 'forward', overrides: { WG: WORKGROUP }, params: INDEX_SELECT_PARAMS },
      {
        uniforms: INDEX_SELECT_PARAMS.pack({ ...g, rowStart: run[0], rowCount: run[1], checks: r === 0 ? 1 : 0 }),
        buffers: [blockBinding(x.buffer, g.inner, run, runs.length === 1), index.buffer, out.buffer, runtime().checks.binding('indexSelectIndex')],
        workgroups: Math.ceil(out.size / WORKGROUP),
      },
    );
  });
  return out;
}

/** gx [outer, d, inner] (shape `xShape`): the sum of grad [outer, k, inner] over the k that select each row. */
export function indexSelectBackwardKernel(grad: Tensor, index: Tensor, g: IndexSelectGeometry, xShape: readonly number[]): Tensor {
  const gx = Tensor.empty(xShape);
  if (gx.size === 0) return gx;
  const runs = indexSelectRuns(g)!;
  for (const run of runs) {
    runtime().dispatch(
      { files: ['grid', 'index_check', 'index_select'], entry: 'backward', overrides: { WG: WORKGROUP }, params: INDEX_SELECT_PARAMS },
      {
        uniforms: INDEX_SELECT_PARAMS.pack({ ...g, rowStart: run[0], rowCount: run[1], checks: 0 }),
        buffers: [grad.buffer, index.buffer, blockBinding(gx.buffer, g.inner, run, runs.length === 1)],
        workgroups: Math.ceil((g.outer * run[1] * g.inner) / WORKGROUP),
      },
    );
  }
  return gx;
}
