import { WebgradError } from '../errors.js';
import { graphTensorsIn, hold } from './lifetime.js';
import type { GraphTensor } from './node.js';

/**
 * Deterministic release of intermediates, as tfjs's `tidy`: every tensor created while `fn` runs
 * is disposed when it returns, except the tensors it returns (found in arrays and plain objects)
 * and those passed to `keep`. Scopes nest; a tensor belongs to the innermost one. The
 * intermediates that a returned tensor's backward needs are not disposed but held by it until
 * `backward()` has run or it is disposed (see lifetime.ts), so that
 * `tidy(() => crossEntropy(model.forward(x), y)).backward()` works.
 */
const scopes: Set<GraphTensor>[] = [];

export function track(t: GraphTensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Takes a tensor out of every scope: it lives until disposed by hand. */
export function keep<T extends GraphTensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new WebgradError(`webgrad: tidy() takes a function, got ${typeof fn}`);
  const scope = new Set<GraphTensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    refuseAsync(result, 'tidy');
  } catch (error) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  const returned = new Set<GraphTensor>();
  collect(result, returned);
  const parent = scopes[scopes.length - 1];
  const graphs = graphTensorsIn(returned, scope, returned);
  const held = new Set<GraphTensor>();
  for (const [root, tensors] of graphs) {
    hold(root, tensors);
    for (const t of tensors) held.add(t);
  }
  for (const t of scope) {
    if (returned.has(t)) parent?.add(t);
    else if (!held.has(t)) t.dispose();
  }
  return result;
}

/**
 * Runs an op's kernels all or nothing: when `fn` throws (an allocation refused for memory after
 * others succeeded), the tensors it made are disposed, so that the op leaves nothing behind; when
 * it returns, they belong to the enclosing scope as if made there.
 */
export function allOrNothing<T>(fn: () => T): T {
  const made = new Set<GraphTensor>();
  scopes.push(made);
  try {
    const result = fn();
    scopes.pop();
    const parent = scopes[scopes.length - 1];
    if (parent) for (const t of made) parent.add(t);
    return result;
  } catch (error) {
    scopes.pop();
    for (const t of made) t.dispose();
    throw error;
  }
}

/**
 * tidy() and noGrad() act while `fn` runs; an async `fn` goes on after its first await, outside
 * them, so it is refused (its rejection, if any, is swallowed: the error thrown here says why).
 */
export function refuseAsync(result: unknown, what: string): void {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    (result as Promise<unknown>).then(undefined, () => undefined);
    throw new WebgradError(`webgrad: ${what}() takes a synchronous function, got one that returned a Promise; await outside ${what}() and pass it the synchronous part`);
  }
}

function collect(value: unknown, into: Set<GraphTensor>): void {
  if (value === null || typeof value !== 'object') return;
  if ('isTensor' in value && (value as { isTensor: unknown }).isTensor === true) {
    into.add(value as GraphTensor);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, into);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into);
  }
}
