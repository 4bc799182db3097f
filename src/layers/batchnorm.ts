import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { batchNormCounting } from '../ops/batchnorm.js';
import { fmt } from '../tensor/shape.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { checkPositiveInt } from './checks.js';
import type { InitScheme } from './init.js';
import { Module } from './module.js';

export interface BatchNormLayerOptions {
  /** Default 1e-5. */
  eps?: number;
  /** Weight of each new batch in the running statistics. Default 0.1. */
  momentum?: number;
  /** Learnable per-channel weight and bias. Default true. */
  affine?: boolean;
}

/**
 * torch.nn.BatchNorm2d over x [N, C, H, W]: in training mode normalises by the batch's statistics and
 * updates the running ones (`running_mean`, `running_var` and `num_batches_tracked`, buffers in the
 * state dict as PyTorch names them; num_batches_tracked is int32 here); in eval mode uses the running ones.
 */
export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(readonly numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    checkPositiveInt(numFeatures, 'BatchNorm2d: numFeatures');
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (typeof this.eps !== 'number' || !(this.eps >= 0)) throw new WebgradError(`webgrad: BatchNorm2d: eps must be a number >= 0, got ${String(this.eps)}`);
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new WebgradError(`webgrad: BatchNorm2d: momentum must be in [0, 1], got ${String(this.momentum)}`);
    }
    const affine = options.affine ?? true;
    this.weight = affine ? this.addParameter('weight', [numFeatures]) : null;
    this.bias = affine ? this.addParameter('bias', [numFeatures]) : null;
    this.runningMean = this.addBuffer('running_mean', Tensor.empty([numFeatures]));
    this.runningVar = this.addBuffer('running_var', Tensor.empty([numFeatures]));
    this.numBatchesTracked = this.addBuffer('num_batches_tracked', Tensor.empty([], 'int32'));
    this.resetParameters();
  }

  /** Weight 1, bias 0, running mean 0, running variance 1, as PyTorch's (whatever the scheme). */
  override resetParameters(_scheme?: InitScheme, _seed?: number): void {
    const c = this.numFeatures;
    const rt = runtime();
    if (this.weight) rt.upload(this.weight.buffer, new Float32Array(c).fill(1));
    if (this.bias) rt.upload(this.bias.buffer, new Float32Array(c));
    rt.upload(this.runningMean.buffer, new Float32Array(c));
    rt.upload(this.runningVar.buffer, new Float32Array(c).fill(1));
    rt.upload(this.numBatchesTracked.buffer, new Int32Array(1));
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'BatchNorm2d: x');
    if (x.rank !== 4 || x.shape[1] !== this.numFeatures) {
      throw new WebgradError(`webgrad: BatchNorm2d: x must be [N, ${this.numFeatures}, H, W], got ${fmt(x.shape)}`);
    }
    return batchNormCounting(x, this.runningMean, this.runningVar, this.weight, this.bias, {
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    }, this.numBatchesTracked);
  }
}
