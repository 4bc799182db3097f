import { WebgradError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';

/**
 * The runtime that ops run on, set by `init()`. One device per process, as in tfjs and PyTorch's
 * default device; kept here so that ops need not take a device argument.
 */
let current: Runtime | null = null;

export function runtime(): Runtime {
  if (!current) throw new WebgradError('webgrad: no device; call `await init()` first');
  return current;
}

export function setRuntime(r: Runtime | null): void {
  current = r;
}

export function hasRuntime(): boolean {
  return current !== null;
}
