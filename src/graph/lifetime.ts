import type { GraphTensor } from './node.js';

/**
 * How long the tensors of an autograd graph live. A `tidy()` that returns a tensor with a graph
 * (`const loss = tidy(() => crossEntropy(model.forward(x), y))`) does not dispose the
 * intermediates that graph's backward reads: the returned tensor holds them, as tfjs's `tidy`
 * keeps what it returns, until `backward()` has run through them or the holder is disposed.
 * A tensor held by several roots is freed by the last one to let go.
 *
 * Tensors a backward rule reads besides its inputs and output (log-sum-exps, argmax indices) are
 * the node's `saved` tensors, owned by the node and freed with it.
 */
const holdings = new WeakMap<GraphTensor, GraphTensor[]>();
const holders = new WeakMap<GraphTensor, number>();
/** Tensors whose graph a backward() already ran through and freed. */
const freed = new WeakSet<GraphTensor>();

/** Makes `root` hold `tensors` (taken out of their scope by the caller) until it releases them. */
export function hold(root: GraphTensor, tensors: readonly GraphTensor[]): void {
  if (tensors.length === 0) return;
  for (const t of tensors) holders.set(t, (holders.get(t) ?? 0) + 1);
  holdings.set(root, [...(holdings.get(root) ?? []), ...tensors]);
}

/** Lets go of what `root` holds; a tensor no root holds any more is disposed. */
export function releaseHoldings(root: GraphTensor): void {
  const list = holdings.get(root);
  if (!list) return;
  holdings.delete(root);
  for (const t of list) {
    const n = (holders.get(t) ?? 1) - 1;
    if (n > 0) {
      holders.set(t, n);
    } else {
      holders.delete(t);
      t.dispose();
    }
  }
}

/**
 * Drops `t`'s graph node (freeing its saved tensors) and what it holds. `afterBackward` marks the
 * graph as spent, so that a second backward() through it is refused rather than silently treating
 * `t` as a leaf.
 */
export function releaseNode(t: GraphTensor, afterBackward: boolean): void {
  const node = t.node;
  if (node) {
    t.node = null;
    for (const s of node.saved ?? []) s.dispose();
    if (afterBackward) freed.add(t);
  }
  releaseHoldings(t);
}

/** True when a backward() already ran through the graph that computed `t` and freed it. */
export function graphFreed(t: GraphTensor): boolean {
  return freed.has(t);
}

/**
 * The tensors of `scope` that the graphs of `roots` read in backward (inputs of their nodes, at
 * any depth), per root. The caller keeps them out of the scope's disposal and has each root hold them.
 */
export function graphTensorsIn(roots: Iterable<GraphTensor>, scope: ReadonlySet<GraphTensor>, returned: ReadonlySet<GraphTensor>): Map<GraphTensor, GraphTensor[]> {
  const out = new Map<GraphTensor, GraphTensor[]>();
  for (const root of roots) {
    if (!root.node) continue;
    const found: GraphTensor[] = [];
    const seen = new Set<GraphTensor>([root]);
    const stack: GraphTensor[] = [root];
    while (stack.length) {
      const t = stack.pop()!;
      for (const u of t.node?.inputs ?? []) {
        if (seen.has(u)) continue;
        seen.add(u);
        if (scope.has(u) && !returned.has(u) && !u.disposed) found.push(u);
        if (u.node) stack.push(u);
      }
    }
    out.set(root, found);
  }
  return out;
}
