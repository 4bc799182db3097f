import type { Tensor } from './tensor.js';

/**
 * Deterministic release of intermediates, as tfjs's `tidy`: every tensor created while `fn` runs
 * is disposed when it returns, except the tensors it returns (found in arrays and plain objects)
 * and those passed to `keep`. Scopes nest; a tensor belongs to the innermost one.
 */
const scopes: Set<Tensor>[] = [];

export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Takes a tensor out of every scope: it lives until disposed by hand. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('webgrad: tidy() takes a synchronous function; await outside it');
  } catch (error) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  scopes.pop();
  const returned = new Set<Tensor>();
  collect(result, returned);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (returned.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

function collect(value: unknown, into: Set<Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if ('isTensor' in value && (value as { isTensor: unknown }).isTensor === true) {
    into.add(value as Tensor);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, into);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into);
  }
}
