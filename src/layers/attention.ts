import { WebgradError } from '../errors.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { full, rand } from '../ops/creation.js';
import { narrow, split } from '../ops/indexing.js';
import { permute, transpose } from '../ops/layout.js';
import { linear } from '../ops/matmul.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { checkPositiveInt } from './checks.js';
import { assign, deriveSeed, layerSeed, type InitScheme } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface MultiheadAttentionLayerOptions {
  /** Biases of the input and output projections. Default true. */
  bias?: boolean;
  /** Inputs and output [batch, sequence, embed] rather than PyTorch's default [sequence, batch, embed]. Default false. */
  batchFirst?: boolean;
  /** Dropout on the attention weights in training mode. Default 0. */
  dropout?: number;
  /** Seed of the initial values (default: the next from the device's generator). */
  seed?: number;
}

export interface AttentionCallOptions {
  /** As scaledDotProductAttention's: int32 (attend where non-zero) or float32 (added), broadcasting to [.., L, S]. */
  attnMask?: Tensor | null;
  /** Each query attends to the keys at or before its position. */
  isCausal?: boolean;
}

/**
 * torch.nn.MultiheadAttention with kdim = vdim = embedDim: the input projection `in_proj_weight`
 * [3E, E] and `in_proj_bias` [3E], `numHeads` heads of scaled dot-product attention, the output
 * projection `out_proj` (a Linear), under PyTorch's state-dict names and initialisation (Xavier-uniform
 * input weight, zero biases). `forward` returns the attention output only (PyTorch's
 * need_weights=False): the heads run through scaledDotProductAttention.
 */
export class MultiheadAttention extends Module {
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;
  readonly headDim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionLayerOptions = {},
  ) {
    super();
    checkPositiveInt(embedDim, 'MultiheadAttention: embedDim');
    checkPositiveInt(numHeads, 'MultiheadAttention: numHeads');
    if (embedDim % numHeads !== 0) throw new WebgradError(`webgrad: MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1)) {
      throw new WebgradError(`webgrad: MultiheadAttention: dropout must be in [0, 1], got ${String(this.dropout)}`);
    }
    const bias = options.bias ?? true;
    const seed = layerSeed(options.seed, 'MultiheadAttention');
    this.inProjWeight = this.addParameter('in_proj_weight', [3 * embedDim, embedDim]);
    this.inProjBias = bias ? this.addParameter('in_proj_bias', [3 * embedDim]) : null;
    this.outProj = this.addModule('out_proj', new Linear(embedDim, embedDim, { bias, seed: deriveSeed(seed, 1) }));
    this.resetParameters('torch', seed);
  }

  /** PyTorch's _reset_parameters: Xavier-uniform in_proj_weight, zero in_proj_bias and out_proj.bias (out_proj.weight is Linear's). */
  override resetParameters(_scheme: InitScheme, seed: number): void {
    const bound = Math.sqrt(6 / (this.embedDim + 3 * this.embedDim));
    assign(this.inProjWeight, rand(this.inProjWeight.shape, { seed: deriveSeed(seed, 0), low: -bound, high: bound }));
    if (this.inProjBias) assign(this.inProjBias, full(this.inProjBias.shape, 0));
    if (this.outProj.bias) assign(this.outProj.bias, full(this.outProj.bias.shape, 0));
  }

  /** query [L, N, E] (or [N, L, E] with batchFirst); key and value default to query (self-attention). */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: AttentionCallOptions = {}): Tensor {
    const E = this.embedDim;
    for (const [t, name] of [[query, 'query'], [key, 'key'], [value, 'value']] as const) {
      checkTensor(t, `MultiheadAttention: ${name}`, 'float32');
      if (t.rank !== 3 || t.shape[2] !== E) {
        throw new WebgradError(`webgrad: MultiheadAttention: ${name} must be ${this.batchFirst ? '[N, L, E]' : '[L, N, E]'} with E = ${E}, got ${fmt(t.shape)}`);
      }
    }
    const [q0, k0, v0] = [query, key, value].map((t) => (this.batchFirst ? t : transpose(t, 0, 1)));
    let q: Tensor, k: Tensor, v: Tensor;
    if (query === key && key === value) {
      [q, k, v] = split(linear(q0, this.inProjWeight, this.inProjBias), E, -1);
    } else {
      const part = (x: Tensor, i: number) => linear(x, narrow(this.inProjWeight, 0, i * E, E), this.inProjBias && narrow(this.inProjBias, 0, i * E, E));
      [q, k, v] = [part(q0, 0), part(k0, 1), part(v0, 2)];
    }
    const heads = (x: Tensor) => permute(x.reshape([x.shape[0], x.shape[1], this.numHeads, this.headDim]), [0, 2, 1, 3]);
    const attended = scaledDotProductAttention(heads(q), heads(k), heads(v), {
      attnMask: options.attnMask,
      isCausal: options.isCausal,
      dropoutP: this.training ? this.dropout : 0,
    });
    const [n, , l] = attended.shape;
    const merged = permute(attended, [0, 2, 1, 3]).reshape([n, l, E]);
    const out = this.outProj.forward(merged);
    return this.batchFirst ? out : transpose(out, 0, 1);
  }
}
