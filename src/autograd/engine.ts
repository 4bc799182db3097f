import { WebgradError } from '../errors.js';
import { fmt } from '../tensor/shape.js';
import { allOrNothing, keep } from '../graph/scope.js';
import { noGrad } from '../graph/record.js';
import type { Tensor } from '../tensor/tensor.js';
import { graphFreed, releaseNode } from '../graph/lifetime.js';
import { add } from '../ops/elementwise.js';
import { onesLike } from '../ops/creation.js';

export interface BackwardOptions {
  /**
   * Keep the graph (and the intermediates it holds) after this backward, so that another
   * backward() may run through it (PyTorch's retain_graph). Default false: the graph is freed.
   */
  retainGraph?: boolean;
}

/**
 * Reverse-mode differentiation from `root` (`tensor.backward()`): walks the graph in reverse
 * topological order, frees each intermediate gradient as soon as it has been passed on,
 * accumulates into the `.grad` of leaves (which own it: it survives any `tidy` scope), then drops
 * the graph unless `options.retainGraph`.
 */
export function runBackward(root: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  if (root.disposed) throw new WebgradError(`webgrad: backward(): the tensor of shape ${fmt(root.shape)} was used after dispose()`);
  if (graphFreed(root)) throw new WebgradError(secondTime(root));
  if (!root.requiresGrad) {
    throw new WebgradError(
      `webgrad: backward(): the tensor of shape ${fmt(root.shape)} does not require grad (no input of the ops that computed it ` +
        'has requiresGrad, or it was computed inside noGrad())',
    );
  }
  if (gradient !== undefined && gradient !== null) {
    if (!(gradient instanceof Object) || !('isTensor' in gradient)) {
      throw new WebgradError(`webgrad: backward(): gradient must be a Tensor, got ${typeof gradient}`);
    }
    if (gradient.disposed) throw new WebgradError(`webgrad: backward(): gradient (shape ${fmt(gradient.shape)}) was used after dispose()`);
    if (gradient.dtype !== 'float32') throw new WebgradError(`webgrad: backward(): gradient must be float32, got ${gradient.dtype} (shape ${fmt(gradient.shape)})`);
  }
  if (!gradient && root.size !== 1) {
    throw new WebgradError(`webgrad: backward(): a tensor of shape ${fmt(root.shape)} needs an explicit gradient (only scalars get ones)`);
  }
  if (gradient && gradient.shape.join() !== root.shape.join()) {
    throw new WebgradError(`webgrad: backward(): gradient ${fmt(gradient.shape)} does not match the tensor's shape ${fmt(root.shape)}`);
  }
  if (options === null || typeof options !== 'object') throw new WebgradError(`webgrad: backward(): options must be an object, got ${String(options)}`);
  const order = topologicalOrder(root);
  checkGraph(order);
  noGrad(() => {
    // All or nothing: every leaf's new gradient is made (summed with the one it has) before any
    // replaces its .grad, and what the pass made is freed if it throws (an allocation refused for
    // memory): the leaves' gradients and the graph are then as before, and backward() can run again.
    const updates = allOrNothing(() => {
      const grads = new Map<Tensor, Tensor>();
      const leaves = new Map<Tensor, Tensor>();
      grads.set(root, gradient ? gradient.reshape(gradient.shape) : onesLike(root));
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        if (!t.node) {
          if (t.requiresGrad) leaves.set(t, g);
          else g.dispose();
          continue;
        }
        const inputGrads = t.node.backward(g);
        t.node.inputs.forEach((input, k) => {
          const gi = inputGrads[k];
          if (!gi) return;
          if (!input.requiresGrad) {
            // A rule may compute a gradient nobody asked for (mul's for a constant): free it, unless it is shared.
            const shared = gi === g || inputGrads.some((o, j) => j !== k && o === gi && t.node!.inputs[j].requiresGrad);
            if (!shared) gi.dispose();
            return;
          }
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
      return [...leaves].map(([t, g]) => [t, t.grad ? sumWith(t.grad, g) : g] as const);
    });
    for (const [t, g] of updates) {
      t.grad?.dispose();
      t.grad = keep(g);
    }
  });
  if (!options.retainGraph) for (const t of order) releaseNode(t, true);
}

const secondTime = (t: Tensor): string =>
  `webgrad: backward(): trying to backward through the graph a second time (the tensor of shape ${fmt(t.shape)} was computed by a graph ` +
  'that an earlier backward() already ran through and freed). Compute the forward pass again, or call the first backward() with { retainGraph: true }';

/** Refuses a graph that a rule could not run on: a spent graph, or a tensor its rules read that was disposed. */
function checkGraph(order: readonly Tensor[]): void {
  for (const t of order) {
    if (!t.node) {
      if (graphFreed(t)) throw new WebgradError(secondTime(t));
      continue;
    }
    const { op, inputs, saved } = t.node;
    inputs.forEach((input, k) => {
      if (input.disposed) {
        throw new WebgradError(
          `webgrad: backward(): input ${k} (shape ${fmt(input.shape)}) of ${op} was disposed before backward() ran; ` +
            'a graph reads its inputs in backward, so dispose them after backward() (or build the graph inside the tidy() that returns the loss)',
        );
      }
    });
    if (saved?.some((s) => s.disposed)) throw new WebgradError(`webgrad: backward(): a tensor that ${op} saved for its backward was disposed`);
  }
}

/** grad + g, freeing g (the leaf's own gradient is replaced by the caller). */
function sumWith(grad: Tensor, g: Tensor): Tensor {
  const sum = add(grad, g);
  g.dispose();
  return sum;
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
