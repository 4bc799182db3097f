import { record } from '../graph/record.js';
import { attentionBackwardKernel } from '../kernels/attention-backward.js';
import { planAttention, type AttentionMaskLayout, type AttentionProblem } from '../kernels/attention-common.js';
import { bindingLimits } from '../kernels/ranges.js';
import { attentionForwardKernel } from '../kernels/attention-forward.js';
import { broadcastStrides, sizeOf } from '../tensor/shape.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { view, type Tensor } from '../tensor/tensor.js';
import type { AttentionArgs } from './attention-composed.js';
import { where } from './selection.js';

/**
 * The mask's strides, the leading dimensions folded into (outer, inner) pairs so that the kernel
 * finds head g's mask at (g / inner)·outer + (g % inner)·innerStride; null when they do not fold so.
 */
function maskLayout(mask: Tensor, batch: readonly number[], L: number, S: number): Omit<AttentionMaskLayout, 'tensor'> | null {
  const strides = broadcastStrides(mask.shape, [...batch, L, S]);
  // Adjacent batch dimensions merge when the outer one's stride steps over the whole inner one.
  const groups: { size: number; stride: number }[] = [];
  batch.forEach((size, d) => {
    if (size === 1) return;
    const last = groups[groups.length - 1];
    if (last && last.stride === strides[d] * size) groups[groups.length - 1] = { size: last.size * size, stride: strides[d] };
    else groups.push({ size, stride: strides[d] });
  });
  if (groups.length > 2) return null;
  const [outer, inner] = groups.length === 2 ? groups : [{ size: 1, stride: 0 }, groups[0] ?? { size: 1, stride: 0 }];
  return { inner: inner.size, outer: outer.stride, innerStride: inner.stride, row: strides[batch.length], col: strides[batch.length + 1] };
}

/**
 * The fused kernels' form of scaledDotProductAttention, for q, k, v with the same leading
 * dimensions `batch`; null when they do not apply (a mask that needs a gradient or does not
 * fold, head sizes past the kernels' registers, empty operands), and the composed form runs instead.
 */
export function attentionFused(q: Tensor, k: Tensor, v: Tensor, batch: readonly number[], args: AttentionArgs): Tensor | null {
  if (args.mask?.requiresGrad) return null;
  const [L, E] = q.shape.slice(-2);
  const [S, Ev] = v.shape.slice(-2);
  const layout = args.mask ? maskLayout(args.mask, batch, L, S) : null;
  if (args.mask && !layout) return null;
  const bh = sizeOf(batch);
  const shape: AttentionProblem = { bh, L, S, E, Ev, mask: null, causal: args.causal, scale: args.scale, dropoutP: args.dropoutP, seed: args.seed };
  const plan = planAttention({ ...shape, mask: args.mask && { tensor: args.mask, ...layout! } }, bindingLimits());
  if (!plan) return null;
  return allOrNothing(() => {
    // PyTorch's boolean mask as an additive one: 0 where taking part, −∞ elsewhere.
    const additive = args.mask === null ? null : args.mask.dtype === 'int32' ? tidy(() => where(args.mask!, 0, -Infinity)) : args.mask;
    const a: AttentionProblem = { ...shape, mask: additive && { tensor: additive, ...layout! } };
    const { out, lse } = attentionForwardKernel(q, k, v, a, plan);
    const y = view(out, [...batch, L, Ev]);
    out.dispose();
    const inputs = args.mask ? [q, k, v, args.mask] : [q, k, v];
    const saved = additive && additive !== args.mask ? [lse, additive] : [lse];
    return record(y, 'scaledDotProductAttention', inputs, (g) => {
      const wantKV = k.requiresGrad || v.requiresGrad;
      const { dq, dk, dv } = attentionBackwardKernel(q, k, v, y, lse, g, a, plan, q.requiresGrad, wantKV);
      const shaped = (t: Tensor | null, like: Tensor, wanted: boolean): Tensor | null => {
        if (!t) return null;
        const r = wanted ? view(t, like.shape) : null;
        t.dispose();
        return r;
      };
      return [shaped(dq, q, q.requiresGrad), shaped(dk, k, k.requiresGrad), shaped(dv, v, v.requiresGrad), null].slice(0, inputs.length);
    }, saved);
  });
}
