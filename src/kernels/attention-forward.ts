import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import type { BlockPlan } from './ranges.js';
import {
  ATTENTION_PARAMS, ATTENTION_ROWS, attentionOverrides, attentionUniforms, maskBinding, runBinding, type AttentionProblem,
} from './attention-common.js';

const KERNEL = declareKernel({ file: 'attention_forward', entries: ['forward'], params: ATTENTION_PARAMS, workgroup: ATTENTION_ROWS });

/**
 * attention_forward.wgsl: out [bh, L, Ev] and the rows' log-sum-exp lse [bh, L] (for backward),
 * from q [bh, L, E], k [bh, S, E], v [bh, S, Ev]. No checks here: it runs the op's plan (planAttention).
 */
export function attentionForwardKernel(q: Tensor, k: Tensor, v: Tensor, a: AttentionProblem, plan: BlockPlan): { out: Tensor; lse: Tensor } {
  const out = Tensor.empty([a.bh, a.L, a.Ev]);
  const lse = Tensor.empty([a.bh, a.L]);
  const { runs, whole } = plan;
  const blocks = Math.ceil(a.L / ATTENTION_ROWS);
  for (const run of runs) {
    const qRun = runBinding(q.buffer, a.L * a.E, run, whole);
    runtime().dispatch(
      KERNEL.spec('forward', attentionOverrides(a), 'attention forward'),
      {
        uniforms: attentionUniforms(a, run),
        buffers: [
          qRun,
          runBinding(k.buffer, a.S * a.E, run, whole),
          runBinding(v.buffer, a.S * a.Ev, run, whole),
          maskBinding(a, qRun),
          runBinding(out.buffer, a.L * a.Ev, run, whole),
          runBinding(lse.buffer, a.L, run, whole),
        ],
        workgroups: blocks * run[1],
      },
    );
  }
  return { out, lse };
}
