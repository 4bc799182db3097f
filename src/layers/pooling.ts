import { adaptiveAvgPool2d, avgPool2d } from '../ops/avgpool.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPair, type Pair } from './checks.js';
import { Module } from './module.js';

export interface AvgPool2dLayerOptions {
  /** Defaults to kernelSize. */
  stride?: number | Pair;
  padding?: number | Pair;
  /** Default true, as PyTorch's count_include_pad. */
  countIncludePad?: boolean;
}

/** torch.nn.AvgPool2d (floor mode). */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number | Pair, options: AvgPool2dLayerOptions = {}) {
    super();
    this.kernelSize = checkPair(kernelSize, 'AvgPool2d: kernelSize', 1);
    this.stride = checkPair(options.stride ?? this.kernelSize, 'AvgPool2d: stride', 1);
    this.padding = checkPair(options.padding ?? 0, 'AvgPool2d: padding', 0);
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, countIncludePad: this.countIncludePad });
  }
}

/** torch.nn.AdaptiveAvgPool2d: average pooling to a fixed output size (one number, or [height, width]). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: Pair;

  constructor(outputSize: number | Pair) {
    super();
    this.outputSize = checkPair(outputSize, 'AdaptiveAvgPool2d: outputSize', 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
