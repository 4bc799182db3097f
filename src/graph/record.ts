// Recording the graph: what every op calls. The backward pass that walks it is engine.ts, which
// needs ops of its own (adding gradients) and so sits above them; this module sits below them and
// below the Tensor class, which records its reshapes.
import { WebgradError } from '../errors.js';
import { keep, refuseAsync } from './scope.js';
import type { GradNode, GraphTensor } from './node.js';

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording anything for autograd (evaluation, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new WebgradError(`webgrad: noGrad() takes a function, got ${typeof fn}`);
  const before = enabled;
  enabled = false;
  try {
    const result = fn();
    refuseAsync(result, 'noGrad');
    return result;
  } finally {
    enabled = before;
  }
}

/**
 * Marks `out` as computed from `inputs` by `op`, with its backward rule, when any input needs a
 * gradient. `saved` are tensors the rule reads besides its inputs and output: the node owns them
 * (they leave every tidy scope) and frees them with itself; when nothing is recorded they are freed now.
 */
export function record<T extends GraphTensor>(out: T, op: string, inputs: readonly T[], backward: GradNode<T>['backward'], saved: readonly T[] = []): T {
  if (enabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    for (const t of saved) keep(t);
    out.node = { op, inputs, backward, saved };
  } else {
    for (const t of saved) t.dispose();
  }
  return out;
}
