import { conv2d, conv2dRelu } from '../ops/conv.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPaperBias, checkScheme, initWeightAndBias, layerSeed, type InitScheme, type LayerInitOptions } from './init.js';
import { Module } from './module.js';
import { ReLU } from './basic.js';
import { checkPair, checkPositiveInt, type Pair } from './checks.js';

export interface Conv2dLayerOptions extends LayerInitOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  bias?: boolean;
}

/** torch.nn.Conv2d: weight [outChannels, inChannels, kh, kw], bias [outChannels]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly paperBias: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | Pair,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    checkPositiveInt(inChannels, 'Conv2d: inChannels');
    checkPositiveInt(outChannels, 'Conv2d: outChannels');
    this.kernelSize = checkPair(kernelSize, 'Conv2d: kernelSize', 1);
    this.stride = checkPair(options.stride ?? 1, 'Conv2d: stride', 1);
    this.padding = checkPair(options.padding ?? 0, 'Conv2d: padding', 0);
    this.paperBias = checkPaperBias(options.paperBias, 'Conv2d');
    const [kh, kw] = this.kernelSize;
    this.weight = this.addParameter('weight', [outChannels, inChannels, kh, kw]);
    this.bias = options.bias === false ? null : this.addParameter('bias', [outChannels]);
    this.resetParameters(checkScheme(options.init ?? 'torch', 'Conv2d'), layerSeed(options.seed, 'Conv2d'));
  }

  override resetParameters(scheme: InitScheme, seed: number): void {
    const fanIn = this.inChannels * this.kernelSize[0] * this.kernelSize[1];
    initWeightAndBias(this.weight, this.bias, fanIn, scheme, seed, this.paperBias);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  /**
   * Conv2d then ReLU runs as one kernel (see Module.fuseWith). Only the plain classes fuse: a
   * subclass of either may have replaced its forward, which the fused step would skip.
   */
  override fuseWith(next: Module): ((x: Tensor) => Tensor) | null {
    return this.constructor === Conv2d && next.constructor === ReLU ? (x) => this.forwardRelu(x) : null;
  }

  /** relu(forward(x)) with the ReLU fused into the convolution's epilogue. */
  forwardRelu(x: Tensor): Tensor {
    return conv2dRelu(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}
