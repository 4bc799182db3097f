import { WebgradError } from '../device/errors.js';
import { fmt } from '../tensor/shape.js';
import { keep } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradNode } from './node.js';
import { add } from '../ops/elementwise.js';
import { onesLike } from '../ops/creation.js';

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording anything for autograd (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const before = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = before;
  }
}

/** Marks `out` as computed from `inputs` by `op`, with its backward rule, when any input needs a gradient. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (enabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/**
 * Reverse-mode differentiation from `root`: walks the graph in reverse topological order, frees each
 * intermediate gradient as soon as it has been passed on, accumulates into the `.grad` of leaves
 * (which own it: it survives any `tidy` scope), then drops the graph.
 */
export function runBackward(root: Tensor, gradient?: Tensor): void {
  if (!root.requiresGrad) throw new WebgradError(`webgrad: backward(): the tensor of shape ${fmt(root.shape)} does not require grad`);
  if (!gradient && root.size !== 1) {
    throw new WebgradError(`webgrad: backward(): a tensor of shape ${fmt(root.shape)} needs an explicit gradient (only scalars get ones)`);
  }
  if (gradient && gradient.shape.join() !== root.shape.join()) {
    throw new WebgradError(`webgrad: backward(): gradient ${fmt(gradient.shape)} does not match the tensor's shape ${fmt(root.shape)}`);
  }
  const order = topologicalOrder(root);
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, gradient ? gradient.reshape(gradient.shape) : onesLike(root));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        accumulateLeaf(t, g);
        continue;
      }
      const inputGrads = t.node.backward(g);
      t.node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        // Each stored gradient is its own Tensor object (a view where a rule passed one on twice),
        // so that disposing one never frees another.
        const own = gi === g || [...grads.values()].includes(gi) ? gi.reshape(gi.shape) : gi;
        const prev = grads.get(input);
        if (prev) {
          grads.set(input, add(prev, own));
          prev.dispose();
          own.dispose();
        } else {
          grads.set(input, own);
        }
      });
      g.dispose();
    }
  });
  for (const t of order) if (t.node) t.node = null;
}

function accumulateLeaf(t: Tensor, g: Tensor): void {
  if (!t.requiresGrad) {
    g.dispose();
    return;
  }
  if (t.grad) {
    const sum = add(t.grad, g);
    t.grad.dispose();
    g.dispose();
    t.grad = keep(sum);
  } else {
    t.grad = keep(g);
  }
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
  }
  return order;
}
