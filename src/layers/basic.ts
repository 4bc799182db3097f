import { WebgradError } from '../errors.js';
import { relu } from '../ops/elementwise.js';
import { reshape } from '../ops/layout.js';
import { localResponseNorm } from '../ops/lrn.js';
import { maxPool2d } from '../ops/maxpool.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { checkPair, checkPositiveInt, type Pair } from './checks.js';
import { Module } from './module.js';

/** torch.nn.ReLU. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** torch.nn.Flatten: merges the dimensions from `startDim` (default 1) to the last. */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
    if (!Number.isInteger(startDim) || startDim < 0) throw new WebgradError(`webgrad: Flatten: startDim must be an integer >= 0, got ${startDim}`);
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'Flatten: x');
    if (x.rank < this.startDim) throw new WebgradError(`webgrad: Flatten: x ${fmt(x.shape)} has no dimension ${this.startDim}`);
    const rest = x.shape.slice(this.startDim).reduce((n, d) => n * d, 1);
    return reshape(x, [...x.shape.slice(0, this.startDim), rest]);
  }
}

export interface MaxPool2dLayerOptions {
  /** Defaults to kernelSize. */
  stride?: number | Pair;
  padding?: number | Pair;
}

/** torch.nn.MaxPool2d (floor mode). */
export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(kernelSize: number | Pair, options: MaxPool2dLayerOptions = {}) {
    super();
    this.kernelSize = checkPair(kernelSize, 'MaxPool2d: kernelSize', 1);
    this.stride = checkPair(options.stride ?? this.kernelSize, 'MaxPool2d: stride', 1);
    this.padding = checkPair(options.padding ?? 0, 'MaxPool2d: padding', 0);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding });
  }
}

export interface LocalResponseNormLayerOptions {
  alpha?: number;
  beta?: number;
  k?: number;
}

/** torch.nn.LocalResponseNorm: across `size` channels, defaults alpha 1e-4, beta 0.75, k 1. */
export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(readonly size: number, options: LocalResponseNormLayerOptions = {}) {
    super();
    checkPositiveInt(size, 'LocalResponseNorm: size');
    this.alpha = options.alpha ?? 1e-4;
    this.beta = options.beta ?? 0.75;
    this.k = options.k ?? 1;
  }

  forward(x: Tensor): Tensor {
    return localResponseNorm(x, { size: this.size, alpha: this.alpha, beta: this.beta, k: this.k });
  }
}
