import { WebgradError } from '../errors.js';
import { add, relu } from '../ops/elementwise.js';
import { gelu } from '../ops/gelu.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPositiveInt } from './checks.js';
import { MultiheadAttention, type AttentionCallOptions } from './attention.js';
import { Dropout } from './dropout.js';
import { deriveSeed, layerSeed } from './init.js';
import { LayerNorm } from './layernorm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block. Default 2048, as PyTorch's. */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on the attention weights. Default 0.1. */
  dropout?: number;
  /** 'relu' (default), 'gelu' (exact), or a function (minGPT's tanh GELU: x => gelu(x, { approximate: 'tanh' })). */
  activation?: TransformerActivation;
  /** Default 1e-5. */
  layerNormEps?: number;
  /** [batch, sequence, feature] rather than [sequence, batch, feature]. Default false. */
  batchFirst?: boolean;
  /** Pre-norm: x + attention(norm1(x)), then x + feedForward(norm2(x)) (GPT-2's block). Default false (post-norm). */
  normFirst?: boolean;
  /** Seed of the initial values (default: the next from the device's generator). */
  seed?: number;
}

/**
 * torch.nn.TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual
 * connection and a LayerNorm, before (normFirst) or after it; PyTorch's module names (self_attn,
 * linear1, linear2, norm1, norm2), so state dicts move both ways. `forward(src, { attnMask, isCausal })`.
 */
export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly normFirst: boolean;
  private readonly activationFn: (x: Tensor) => Tensor;
  private readonly dropoutFf: Dropout;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    options: TransformerEncoderLayerOptions = {},
  ) {
    super();
    checkPositiveInt(dModel, 'TransformerEncoderLayer: dModel');
    const ff = checkPositiveInt(options.dimFeedforward ?? 2048, 'TransformerEncoderLayer: dimFeedforward');
    const p = options.dropout ?? 0.1;
    const eps = options.layerNormEps ?? 1e-5;
    const seed = layerSeed(options.seed, 'TransformerEncoderLayer');
    const activation = options.activation ?? 'relu';
    if (activation === 'relu') this.activationFn = relu;
    else if (activation === 'gelu') this.activationFn = (x) => gelu(x);
    else if (typeof activation === 'function') this.activationFn = activation;
    else throw new WebgradError(`webgrad: TransformerEncoderLayer: activation must be 'relu', 'gelu' or a function, got ${String(activation)}`);
    this.normFirst = options.normFirst ?? false;
    // Registered in PyTorch's order, which is its state dict's.
    this.selfAttn = this.addModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: options.batchFirst ?? false, seed: deriveSeed(seed, 0) }));
    this.linear1 = this.addModule('linear1', new Linear(dModel, ff, { seed: deriveSeed(seed, 1) }));
    this.dropoutFf = this.addModule('dropout', new Dropout(p, { seed: deriveSeed(seed, 2) }));
    this.linear2 = this.addModule('linear2', new Linear(ff, dModel, { seed: deriveSeed(seed, 3) }));
    this.norm1 = this.addModule('norm1', new LayerNorm(dModel, { eps }));
    this.norm2 = this.addModule('norm2', new LayerNorm(dModel, { eps }));
    this.dropout1 = this.addModule('dropout1', new Dropout(p, { seed: deriveSeed(seed, 4) }));
    this.dropout2 = this.addModule('dropout2', new Dropout(p, { seed: deriveSeed(seed, 5) }));
  }

  forward(src: Tensor, options: AttentionCallOptions = {}): Tensor {
    const attend = (x: Tensor) => this.dropout1.forward(this.selfAttn.forward(x, x, x, options));
    const feedForward = (x: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropoutFf.forward(this.activationFn(this.linear1.forward(x)))));
    if (this.normFirst) {
      const x = add(src, attend(this.norm1.forward(src)));
      return add(x, feedForward(this.norm2.forward(x)));
    }
    const x = this.norm1.forward(add(src, attend(src)));
    return this.norm2.forward(add(x, feedForward(x)));
  }
}
