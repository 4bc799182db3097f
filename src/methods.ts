// Installs the ops as Tensor methods (`x.matmul(w).add(b).relu()`), and `backward()`, from one
// table: each method calls its function with the tensor as first argument, and its type is derived
// from the function's. tensor.ts cannot import the ops nor the backward pass (which adds gradients
// with ops): they import it. So index.ts imports this module for its effect.
import { Tensor } from './tensor/tensor.js';
import { runBackward } from './autograd/engine.js';
import { adaptiveAvgPool2d, avgPool2d } from './ops/avgpool.js';
import { batchNorm } from './ops/batchnorm.js';
import { float, int, toDtype } from './ops/cast.js';
import { conv2d } from './ops/conv.js';
import { dropout } from './ops/dropout.js';
import {
  abs, add, div, eq, exp, ge, gt, log, maximum, minimum, mul, neg, pow, relu, rsqrt, sigmoid, sqrt, sub, tanh,
} from './ops/elementwise.js';
import { flatten, narrow, slice, split, squeeze, unsqueeze } from './ops/indexing.js';
import { gather } from './ops/gather.js';
import { indexSelect } from './ops/index-select.js';
import { expand, permute, transpose } from './ops/layout.js';
import { crossEntropy, countCorrect } from './ops/loss.js';
import { mseLoss, nllLoss } from './ops/losses.js';
import { localResponseNorm } from './ops/lrn.js';
import { linear, matmul } from './ops/matmul.js';
import { maxPool2d } from './ops/maxpool.js';
import { argmax, max, mean, sum } from './ops/reduce.js';
import { clamp, le, lt, min, ne, where } from './ops/selection.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import { maskedFill, tril, triu } from './ops/masking.js';

/** x.where(cond, other) is where(cond, x, other), as PyTorch's Tensor.where. */
const whereMethod = (x: Tensor, cond: Tensor, other: Tensor | number): Tensor => where(cond, x, other);

export const TENSOR_METHODS = {
  neg, abs, exp, log, sqrt, rsqrt, relu, sigmoid, tanh,
  add, sub, mul, div, pow, maximum, minimum, gt, ge, eq, lt, le, ne,
  sum, mean, max, min, argmax,
  float, int, toDtype,
  permute, transpose, expand,
  flatten, narrow, slice, split, squeeze, unsqueeze, indexSelect, gather,
  where: whereMethod, clamp, maskedFill, tril, triu,
  softmax, logSoftmax,
  matmul, linear, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, localResponseNorm, dropout, batchNorm,
  crossEntropy, countCorrect, nllLoss, mseLoss,
  backward: runBackward,
} as const;

type Table = typeof TENSOR_METHODS;
type Rest<F> = F extends (x: Tensor, ...rest: infer R) => infer Out ? (...rest: R) => Out : never;
export type TensorMethods = { [K in keyof Table]: Rest<Table[K]> };

declare module './tensor/tensor.js' {
  // Declaration merging: the methods installed below, typed from the table.
  interface Tensor extends TensorMethods {}
}

for (const [name, op] of Object.entries(TENSOR_METHODS)) {
  if (name in Tensor.prototype) throw new Error(`webgrad: Tensor already has a member '${name}'`);
  const fn = op as (x: Tensor, ...rest: unknown[]) => unknown;
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]) {
      return fn(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
