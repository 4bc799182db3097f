import { WebgradError } from '../device/errors.js';
import { fmt, type Shape } from '../tensor/shape.js';

/** A number or [height, width] pair of integers >= `min`; `what` names the argument in errors. */
export function pairOf(v: number | readonly [number, number], what: string, min: number): [number, number] {
  const pair = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : null;
  if (!pair || !pair.every((d) => Number.isInteger(d) && d >= min)) {
    const shown = Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
    throw new WebgradError(`webgrad: ${what} must be an integer >= ${min} or a pair of them, got ${shown}`);
  }
  return pair as [number, number];
}

/** Output length of a sliding window over `size` (floor mode, as PyTorch), or an error when it does not fit. */
export function windowOutput(size: number, kernel: number, stride: number, pad: number, what: string, xShape: Shape): number {
  if (kernel > size + 2 * pad) {
    throw new WebgradError(`webgrad: ${what} of ${kernel} is larger than the padded input (${size} + 2·${pad}) of x ${fmt(xShape)}`);
  }
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}
