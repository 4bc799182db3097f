// Installs the ops as Tensor methods (`x.matmul(w).add(b).relu()`), and `backward()`, from one
// table: each method calls its function with the tensor as first argument, and its type is derived
// from the function's. tensor.ts cannot import the ops nor the backward pass (which adds gradients
// with ops): they import it. So index.ts imports this module for its effect.
import { Tensor } from '../tensor/tensor.js';
import { runBackward } from '../autograd/engine.js';
import { adaptiveAvgPool2d, avgPool2d } from './avgpool.js';
import { batchNorm } from './batchnorm.js';
import { float, int, toDtype } from './cast.js';
import { conv2d } from './conv.js';
import { dropout } from './dropout.js';
import {
  abs, add, div, eq, exp, ge, gt, log, maximum, minimum, mul, neg, pow, relu, rsqrt, sigmoid, sqrt, sub, tanh,
} from './elementwise.js';
import { flatten, narrow, slice, split, squeeze, unsqueeze } from './indexing.js';
import { gather } from './gather.js';
import { indexSelect } from './index-select.js';
import { expand, permute, transpose } from './layout.js';
import { crossEntropy, countCorrect } from './loss.js';
import { mseLoss, nllLoss } from './losses.js';
import { localResponseNorm } from './lrn.js';
import { linear, matmul } from './matmul.js';
import { maxPool2d } from './maxpool.js';
import { argmax, max, mean, sum } from './reduce.js';
import { clamp, le, lt, min, ne, where } from './selection.js';
import { logSoftmax, softmax } from './softmax.js';
import { maskedFill, tril, triu } from './masking.js';

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

declare module '../tensor/tensor.js' {
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
