import { WebgradError } from '../errors.js';
import { broadcastShapes, fmt } from '../tensor/shape.js';
import { tidy } from '../graph/scope.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { arange } from './creation.js';
import { ge, sub } from './elementwise.js';
import { le, where } from './selection.js';

function checkTriangle(what: string, x: Tensor, diagonal: number): void {
  checkTensor(x, `${what}: x`);
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: ${what}: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  if (x.rank < 2) throw new WebgradError(`webgrad: ${what}: x must have at least 2 dimensions, got shape ${fmt(x.shape)}`);
  if (typeof diagonal !== 'number' || !Number.isInteger(diagonal)) {
    throw new WebgradError(`webgrad: ${what}: diagonal must be an integer, got ${String(diagonal)} (x ${fmt(x.shape)})`);
  }
}

/** 1 where column − row of x's last two dimensions passes `keep`, else 0 ([R, C], float32). */
function triangleMask(x: Tensor, lower: boolean, diagonal: number): Tensor {
  const [R, C] = x.shape.slice(-2);
  const offset = sub(arange(C).reshape([1, C]), arange(R).reshape([R, 1]));
  return lower ? le(offset, diagonal) : ge(offset, diagonal);
}

function triangle(what: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  checkTriangle(what, x, diagonal);
  return tidy(() => where(triangleMask(x, lower, diagonal), x, 0));
}

/**
 * torch.tril: x's last two dimensions with the elements above the `diagonal`-th diagonal zeroed
 * (0: the main diagonal; positive: above it; negative: below it). Gradients pass where x is kept.
 */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle('tril', x, diagonal, true);

/** torch.triu: x's last two dimensions with the elements below the `diagonal`-th diagonal zeroed. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle('triu', x, diagonal, false);

/**
 * torch.Tensor.masked_fill: x with `value` wherever mask is true (not zero; a float32 0/1 mask as the
 * comparisons give, or int32). The mask broadcasts to x's shape; x's gradient passes where it is false.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  checkTensor(x, 'maskedFill: x');
  checkTensor(mask, 'maskedFill: mask');
  if (x.dtype !== 'float32') throw new WebgradError(`webgrad: maskedFill: x must be float32, got ${x.dtype} (shape ${fmt(x.shape)})`);
  const shape = broadcastShapes(x.shape, mask.shape, `maskedFill (x ${fmt(x.shape)} against mask ${fmt(mask.shape)})`);
  if (shape.length !== x.rank || shape.some((d, i) => d !== x.shape[i])) {
    throw new WebgradError(`webgrad: maskedFill: mask ${fmt(mask.shape)} must broadcast to x's shape ${fmt(x.shape)}`);
  }
  if (value instanceof Tensor) {
    checkTensor(value, 'maskedFill: value');
    if (value.rank !== 0) throw new WebgradError(`webgrad: maskedFill: value must be a number or a 0-D tensor, got shape ${fmt(value.shape)}`);
  } else if (typeof value !== 'number') {
    throw new WebgradError(`webgrad: maskedFill: value must be a number or a 0-D tensor, got ${typeof value}`);
  }
  return where(mask, value, x);
}
