import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { checkNormalizedShape, layerNorm } from '../ops/layernorm.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { InitScheme } from './init.js';
import { Module } from './module.js';

export interface LayerNormLayerOptions {
  /** Default 1e-5. */
  eps?: number;
  /** A learnable weight (1) and bias (0) of shape normalizedShape. Default true. */
  elementwiseAffine?: boolean;
}

/** torch.nn.LayerNorm over the trailing dimensions `normalizedShape` of its input. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | Shape, options: LayerNormLayerOptions = {}) {
    super();
    this.normalizedShape = checkNormalizedShape(normalizedShape, 'LayerNorm');
    this.eps = options.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0) || !Number.isFinite(this.eps)) {
      throw new WebgradError(`webgrad: LayerNorm: eps must be a finite number >= 0, got ${String(this.eps)}`);
    }
    const affine = options.elementwiseAffine ?? true;
    if (typeof affine !== 'boolean') throw new WebgradError(`webgrad: LayerNorm: elementwiseAffine must be a boolean, got ${String(affine)}`);
    this.weight = affine ? this.addParameter('weight', this.normalizedShape) : null;
    this.bias = affine ? this.addParameter('bias', this.normalizedShape) : null;
    this.resetParameters();
  }

  /** Weight 1 and bias 0, as PyTorch's (whatever the scheme). */
  override resetParameters(_scheme?: InitScheme, _seed?: number): void {
    const n = sizeOf(this.normalizedShape);
    if (this.weight) runtime().upload(this.weight.buffer, new Float32Array(n).fill(1));
    if (this.bias) runtime().upload(this.bias.buffer, new Float32Array(n));
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
