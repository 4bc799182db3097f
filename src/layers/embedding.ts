import { runtime } from '../device/current.js';
import { randn } from '../ops/creation.js';
import { checkPaddingIdx, embedding } from '../ops/embedding.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkPositiveInt } from './checks.js';
import { assign, deriveSeed, layerSeed, type InitScheme } from './init.js';
import { Module } from './module.js';

export interface EmbeddingLayerOptions {
  /** A row that stays zero from initialisation and gets no gradient (PyTorch's padding_idx); negative counts from the end. */
  paddingIdx?: number | null;
  /** Seed of the initial values (default: the next from the device's generator; see manualSeed). */
  seed?: number;
}

/**
 * torch.nn.Embedding: a table `weight` [numEmbeddings, embeddingDim] looked up by int32 indices of
 * any shape, giving [...shape, embeddingDim]. Initial weights N(0, 1) under every scheme, as
 * PyTorch's, with the paddingIdx row zero.
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingLayerOptions = {},
  ) {
    super();
    checkPositiveInt(numEmbeddings, 'Embedding: numEmbeddings');
    checkPositiveInt(embeddingDim, 'Embedding: embeddingDim');
    this.paddingIdx = checkPaddingIdx(options.paddingIdx, numEmbeddings, 'Embedding');
    this.weight = this.addParameter('weight', [numEmbeddings, embeddingDim]);
    this.resetParameters('torch', layerSeed(options.seed, 'Embedding'));
  }

  override resetParameters(_scheme: InitScheme, seed: number): void {
    assign(this.weight, randn(this.weight.shape, { seed: deriveSeed(seed, 0) }));
    if (this.paddingIdx !== null) runtime().upload(this.weight.buffer, new Float32Array(this.embeddingDim), this.paddingIdx * this.embeddingDim * 4);
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx });
  }
}
