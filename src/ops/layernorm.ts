import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { layerNormBackwardKernel, layerNormKernel, layerNormParamsBackwardKernel, type LayerNormGeometry } from '../kernels/layernorm.js';
import { bindingLimits, requireWhole } from '../kernels/ranges.js';
import { fmt, sizeOf, type Shape } from '../tensor/shape.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';

/** A normalized shape as PyTorch takes it (one size or the trailing sizes), checked. */
export function checkNormalizedShape(shape: number | Shape, what: string): number[] {
  const dims = typeof shape === 'number' ? [shape] : Array.isArray(shape) ? [...shape] : null;
  if (!dims || dims.length === 0 || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new WebgradError(`webgrad: ${what}: normalizedShape must be a positive integer or a non-empty array of them, got ${Array.isArray(shape) ? fmt(shape) : String(shape)}`);
  }
  return dims;
}

/**
 * torch.nn.functional.layer_norm: normalises x over its trailing dimensions `normalizedShape` by their
 * mean and biased variance, y = (x − mean)/√(var + eps)·weight + bias; weight and bias (both or
 * neither) have shape normalizedShape. One kernel forward, one for dx and one for dweight and dbias.
 */
export function layerNorm(x: Tensor, normalizedShape: number | Shape, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  checkTensor(x, 'layerNorm: x', 'float32');
  const dims = checkNormalizedShape(normalizedShape, 'layerNorm');
  const tail = x.shape.slice(x.rank - dims.length);
  if (x.rank < dims.length || tail.join() !== dims.join()) {
    throw new WebgradError(`webgrad: layerNorm: x ${fmt(x.shape)} must end in normalizedShape ${fmt(dims)}`);
  }
  for (const [t, name] of [[weight, 'weight'], [bias, 'bias']] as const) {
    if (t === undefined || t === null) continue;
    checkTensor(t, `layerNorm: ${name}`, 'float32');
    if (t.shape.join() !== dims.join()) throw new WebgradError(`webgrad: layerNorm: ${name} ${fmt(t.shape)} must have normalizedShape ${fmt(dims)} (x ${fmt(x.shape)})`);
  }
  const w = weight ?? null;
  const b = bias ?? null;
  if ((w === null) !== (b === null)) throw new WebgradError(`webgrad: layerNorm: give both weight and bias or neither (x ${fmt(x.shape)})`);
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new WebgradError(`webgrad: layerNorm: eps must be a finite number >= 0, got ${String(eps)}`);
  requireWhole(bindingLimits(), ['layerNorm: x', x.shape]);
  const n = sizeOf(dims);
  const g: LayerNormGeometry = { rows: x.size / n, n, eps };
  const { y, stats } = allOrNothing(() => layerNormKernel(x, w, b, g));
  const inputs = w && b ? [x, w, b] : [x];
  return record(
    y,
    'layerNorm',
    inputs,
    (grad) =>
      tidy(() => {
        const dx = x.requiresGrad ? layerNormBackwardKernel(grad, x, w, stats, g) : null;
        if (!w || !b || !(w.requiresGrad || b.requiresGrad)) return w ? [dx, null, null] : [dx];
        const { dweight, dbias } = layerNormParamsBackwardKernel(grad, x, stats, g);
        return [dx, w.requiresGrad ? dweight.reshape(dims) : null, b.requiresGrad ? dbias.reshape(dims) : null];
      }),
    [stats],
  );
}
