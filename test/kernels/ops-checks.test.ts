import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { tensor, WebgradError } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { randomValues, setupDevice } from '../helpers.js';

// Misuse of the issue-17 ops: a WebgradError naming the argument and shapes, before any GPU work.
beforeAll(setupDevice);

function rejects(fn: () => unknown, message: RegExp): void {
  const before = runtime().counters.dispatches;
  expect(fn).toThrow(WebgradError);
  expect(fn).toThrow(message);
  expect(runtime().counters.dispatches).toBe(before);
}

describe('softmax, losses', () => {
  it('rejects bad axes, dtypes, labels and shapes', () => {
    const x = tensor(randomValues(12, 1), [4, 3]);
    const ints = tensor([1, 2], [2], { dtype: 'int32' });
    const v3 = tensor([1, 2, 3]);
    const x41 = tensor(randomValues(4, 2), [4, 1]);
    rejects(() => wg.softmax(x, 2), /softmax: axis 2 is out of range for a tensor of rank 2/);
    rejects(() => wg.logSoftmax(ints, 0), /logSoftmax: x must be float32, got int32/);
    rejects(() => wg.nllLoss(x, [0, 1, 3, 0]), /nllLoss: labels\[2\] = 3 is not a class index in \[0, 3\)/);
    rejects(() => wg.nllLoss(x, [0, 1]), /nllLoss: labels has 2 entries but logProbs \[4, 3\] has 4 rows/);
    rejects(() => wg.nllLoss(v3, [0, 1, 2]), /nllLoss: logProbs must be \[N, C\], got \[3\]/);
    rejects(() => wg.mseLoss(x, x41), /mseLoss: a \[4, 3\] and b \[4, 1\] must have the same shape/);
  });
});

describe('indexing and joining', () => {
  it('rejects bad ranges, axes and mismatched pieces', () => {
    const x = tensor(randomValues(24, 3), [2, 3, 4]);
    const y = tensor(randomValues(6, 4), [2, 3]);
    const z = tensor(randomValues(8, 4), [2, 4]);
    const ints = tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int32' });
    rejects(() => wg.slice(x, [null, [0, 2, 0]]), /slice: ranges\[1\] step must not be zero/);
    rejects(() => wg.slice(x, [null, null, null, null]), /slice: 4 ranges for a tensor of shape \[2, 3, 4\]/);
    rejects(() => wg.slice(x, [[0.5]]), /slice: ranges\[0\] start must be an integer, got 0.5/);
    rejects(() => wg.narrow(x, 1, 2, 2), /narrow: start 2, length 2 do not fit axis 1 of size 3 \(x \[2, 3, 4\]\)/);
    rejects(() => wg.split(x, [1, 1], 1), /split: sizes \[1, 1\] sum to 2, not to axis 1 of size 3/);
    rejects(() => wg.cat([y, z], 0), /cat: tensors\[1\] \[2, 4\] does not match tensors\[0\] \[2, 3\] outside axis 0/);
    rejects(() => wg.cat([y, ints], 0), /cat: tensors\[1\] is int32 but tensors\[0\] is float32/);
    rejects(() => wg.cat([], 0), /cat: tensors must be a non-empty array/);
    rejects(() => wg.stack([y, z]), /stack: tensors\[1\] \[2, 4\] differs from tensors\[0\] \[2, 3\]/);
    rejects(() => wg.unsqueeze(y, 3), /unsqueeze: axis 3 is out of range for a tensor of rank 3/);
    rejects(() => wg.flatten(x, 2, 1), /flatten: startAxis 2 comes after endAxis 1/);
  });
});

describe('selection', () => {
  it('rejects bad conditions, operands and bounds', () => {
    const x = tensor(randomValues(6, 3), [2, 3]);
    const y = tensor(randomValues(4, 4), [4]);
    const ints = tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int32' });
    rejects(() => wg.where(x, x, y), /where: shapes a \[2, 3\] and b \[4\] cannot be broadcast together/);
    rejects(() => wg.where(x, ints, x), /where: a must be float32, got int32/);
    rejects(() => wg.clamp(x), /clamp: give min, max or both \(x \[2, 3\]\)/);
    rejects(() => wg.clamp(x, y), /clamp \(x against min\): shapes a \[2, 3\] and b \[4\] cannot be broadcast together/);
    rejects(() => wg.clamp(x, null, 'big' as unknown as number), /clamp: max must be a number or a Tensor, got string/);
    rejects(() => wg.min(x, 2), /min: axis 2 is out of range for a tensor of rank 2/);
    rejects(() => wg.min(ints), /min: x must be float32, got int32/);
    rejects(() => wg.lt(x, y), /lt: shapes a \[2, 3\] and b \[4\] cannot be broadcast together/);
    rejects(() => wg.le(x, 'big' as unknown as number), /le: b must be a Tensor, got the string "big"/);
    rejects(() => wg.ne(y, ints), /ne: shapes a \[4\] and b \[2, 3\] cannot be broadcast together/);
  });
});

describe('batchNorm and average pooling', () => {
  it('rejects bad statistics, sizes and options', () => {
    const x = tensor(randomValues(24, 3), [2, 3, 2, 2]);
    const c3 = tensor([0, 0, 0]);
    const c4 = tensor([1, 1, 1, 1]);
    const one = tensor(randomValues(3, 5), [1, 3]);
    rejects(() => wg.batchNorm(x, c3, c4), /batchNorm: runningVar must be float32 \[3\] for x \[2, 3, 2, 2\], got \[4\]/);
    rejects(() => wg.batchNorm(x, null, null), /evaluation \(training: false\) needs runningMean and runningVar/);
    rejects(() => wg.batchNorm(x, c3, null, null, null, { training: true }), /give both runningMean and runningVar, or neither/);
    rejects(() => wg.batchNorm(one, null, null, null, null, { training: true }), /training needs more than one value per channel, got x \[1, 3\]/);
    rejects(() => wg.batchNorm(x, c3, c3, null, null, { momentum: 2 }), /batchNorm: momentum must be in \[0, 1\], got 2/);
    rejects(() => wg.avgPool2d(x, { kernelSize: 3 }), /avgPool2d: kernelSize \(height\) of 3 is larger than the padded input/);
    rejects(() => wg.avgPool2d(x, { kernelSize: 2, padding: 2 }), /avgPool2d: padding \[2, 2\] must be at most half of kernelSize \[2, 2\]/);
    rejects(() => wg.adaptiveAvgPool2d(one, 2), /adaptiveAvgPool2d: x must be \[N, C, H, W\], got \[1, 3\]/);
    rejects(() => wg.adaptiveAvgPool2d(x, 0), /adaptiveAvgPool2d: outputSize must be an integer >= 1/);
  });
});
