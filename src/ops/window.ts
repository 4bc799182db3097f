import { WebgradError } from '../errors.js';
import { fmt, type Shape } from '../tensor/shape.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import type { WindowGeometry } from '../kernels/window-geometry.js';

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

/**
 * The options of a pooling function called as torch.nn.functional's (`maxPool2d(x, 2)`,
 * `maxPool2d(x, [3, 3], { stride: 2 })`) or with one object (`maxPool2d(x, { kernelSize: 2 })`).
 */
export function poolOptions<O extends { kernelSize: number | [number, number] }>(
  kernelSize: number | [number, number] | O,
  rest: Omit<O, 'kernelSize'> | undefined,
  what: string,
): O {
  if (typeof kernelSize === 'number' || Array.isArray(kernelSize)) {
    if (rest !== undefined && (rest === null || typeof rest !== 'object')) {
      throw new WebgradError(`webgrad: ${what}: options must be an object { stride, padding }, got ${String(rest)}`);
    }
    return { ...(rest ?? {}), kernelSize } as O;
  }
  if (kernelSize === null || typeof kernelSize !== 'object' || kernelSize.kernelSize === undefined) {
    throw new WebgradError(`webgrad: ${what}: kernelSize is required: ${what}(x, 2) or ${what}(x, { kernelSize: 2 }), got ${String(kernelSize)}`);
  }
  if (rest !== undefined) throw new WebgradError(`webgrad: ${what}: give the options once, either ${what}(x, kernelSize, options) or ${what}(x, { kernelSize, ... })`);
  return kernelSize;
}

/** A pooling function's input: a float32 x [N, C, H, W]. */
export function checkPoolInput(x: Tensor, what: string): void {
  checkTensor(x, `${what}: x`);
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: ${what}: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if (x.rank !== 4) throw new WebgradError(`webgrad: ${what}: x must be [N, C, H, W], got ${fmt(x.shape)}`);
}

/**
 * The window of a 2-D pooling of x [N, C, H, W] (floor mode): kernelSize, stride (default
 * kernelSize) and padding (default 0, at most half the kernel, as PyTorch).
 */
export function poolGeometry(
  xShape: Shape,
  options: { kernelSize: number | [number, number]; stride?: number | [number, number]; padding?: number | [number, number] },
  what: string,
): WindowGeometry {
  const [kh, kw] = pairOf(options.kernelSize, `${what}: kernelSize`, 1);
  const [sh, sw] = pairOf(options.stride ?? [kh, kw], `${what}: stride`, 1);
  const [ph, pw] = pairOf(options.padding ?? 0, `${what}: padding`, 0);
  if (2 * ph > kh || 2 * pw > kw) {
    throw new WebgradError(`webgrad: ${what}: padding [${ph}, ${pw}] must be at most half of kernelSize [${kh}, ${kw}]`);
  }
  const [n, c, h, w] = xShape;
  const oh = windowOutput(h, kh, sh, ph, `${what}: kernelSize (height)`, xShape);
  const ow = windowOutput(w, kw, sw, pw, `${what}: kernelSize (width)`, xShape);
  return { n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw };
}
