import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import type { BlockPlan } from './ranges.js';
import {
  ATTENTION_PARAMS, ATTENTION_ROWS, attentionOverrides, attentionUniforms, maskBinding, runBinding, type AttentionProblem,
} from './attention-common.js';

const KERNEL = declareKernel({ file: 'attention_backward', entries: ['delta', 'dq', 'dkdv'], params: ATTENTION_PARAMS, workgroup: ATTENTION_ROWS });


export interface AttentionGrads {
  dq: Tensor | null;
  dk: Tensor | null;
  dv: Tensor | null;
}

/**
 * attention_backward.wgsl: dq (when `wantQ`), dk and dv (when `wantKV`) from the forward's inputs,
 * its output `out` and `lse`, and the output gradient dO; a pre-pass (`delta`) pairs each row's lse
 * with D = rowsum(dO ∘ out). No checks here.
 */
export function attentionBackwardKernel(
  q: Tensor, k: Tensor, v: Tensor, out: Tensor, lse: Tensor, dO: Tensor, a: AttentionProblem, plan: BlockPlan, wantQ: boolean, wantKV: boolean,
): AttentionGrads {
  const stats = Tensor.empty([a.bh, a.L, 2]);
  const dq = wantQ ? Tensor.empty([a.bh, a.L, a.E]) : null;
  const dk = wantKV ? Tensor.empty([a.bh, a.S, a.E]) : null;
  const dv = wantKV ? Tensor.empty([a.bh, a.S, a.Ev]) : null;
  const { runs, whole } = plan;
  const overrides = attentionOverrides(a);
  const rt = runtime();
  for (const run of runs) {
    const bind = (t: Tensor, size: number) => runBinding(t.buffer, size, run, whole);
    const uniforms = attentionUniforms(a, run);
    rt.dispatch(
      KERNEL.spec('delta', overrides, 'attention backward (delta)'),
      { uniforms, buffers: [bind(out, a.L * a.Ev), bind(dO, a.L * a.Ev), bind(lse, a.L), bind(stats, 2 * a.L)], workgroups: Math.ceil((run[1] * a.L) / ATTENTION_ROWS) },
    );
    const qRun = bind(q, a.L * a.E);
    const inputs = [qRun, bind(k, a.S * a.E), bind(v, a.S * a.Ev), maskBinding(a, qRun), bind(dO, a.L * a.Ev), bind(stats, 2 * a.L)];
    if (dq) {
      rt.dispatch(
        KERNEL.spec('dq', overrides, 'attention backward (dq)'),
        { uniforms, buffers: [...inputs, bind(dq, a.L * a.E)], workgroups: Math.ceil(a.L / ATTENTION_ROWS) * run[1] },
      );
    }
    if (dk && dv) {
      rt.dispatch(
        KERNEL.spec('dkdv', overrides, 'attention backward (dk, dv)'),
        { uniforms, buffers: [...inputs, bind(dk, a.S * a.E), bind(dv, a.S * a.Ev)], workgroups: Math.ceil(a.S / ATTENTION_ROWS) * run[1] },
      );
    }
  }
  stats.dispose();
  return { dq, dk, dv };
}
