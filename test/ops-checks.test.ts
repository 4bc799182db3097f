import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../src/index.js';
import { tensor, WebgradError } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import { randomValues, setupDevice } from './helpers.js';

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
