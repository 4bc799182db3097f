import { linear } from '../ops/matmul.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPositiveInt } from './checks.js';
import { checkPaperBias, checkScheme, initWeightAndBias, layerSeed, type InitScheme, type LayerInitOptions } from './init.js';
import { Module } from './module.js';

export interface LinearLayerOptions extends LayerInitOptions {
  bias?: boolean;
}

/** torch.nn.Linear: y = x·weightᵀ + bias, weight [outFeatures, inFeatures], bias [outFeatures]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly paperBias: number;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearLayerOptions = {},
  ) {
    super();
    checkPositiveInt(inFeatures, 'Linear: inFeatures');
    checkPositiveInt(outFeatures, 'Linear: outFeatures');
    this.paperBias = checkPaperBias(options.paperBias, 'Linear');
    this.weight = this.addParameter('weight', [outFeatures, inFeatures]);
    this.bias = options.bias === false ? null : this.addParameter('bias', [outFeatures]);
    this.resetParameters(checkScheme(options.init ?? 'torch', 'Linear'), layerSeed(options.seed, 'Linear'));
  }

  override resetParameters(scheme: InitScheme, seed: number): void {
    initWeightAndBias(this.weight, this.bias, this.inFeatures, scheme, seed, this.paperBias);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
