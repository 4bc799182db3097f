import { beforeAll, describe, expect, it } from 'vitest';
import { clamp, tensor, where } from '../../src/index.js';
import { randomValues, setupDevice } from '../helpers.js';
import * as wg from '../../src/index.js';
import { rejects } from './rejects.js';

// Cases beside the PyTorch fixtures: conditions held as int32 or -0.0, and non-finite branches.
beforeAll(setupDevice);

describe('where', () => {
  it('takes int32 and float conditions (−0.0 is false) and never mixes in the branch not taken', async () => {
    const a = tensor([1, Infinity, 3, NaN]);
    const b = tensor([NaN, 20, -Infinity, 40]);
    const intCond = tensor([1, 0, 7, 0], [4], { dtype: 'int32' });
    expect(Array.from(await where(intCond, a, b).toArray())).toEqual([1, 20, 3, 40]);
    const floatCond = tensor([0.5, -0, -2, 0]);
    expect(Array.from(await where(floatCond, a, b).toArray())).toEqual([1, 20, 3, 40]);
    expect(Array.from(await where(floatCond, 9, b).toArray())).toEqual([9, 20, 9, 40]);
  });
});

describe('clamp', () => {
  it('a min above the max gives the max everywhere, as torch.clamp', async () => {
    expect(Array.from(await clamp(tensor([-3, 0.25, 4]), 2, 1).toArray())).toEqual([1, 1, 1]);
  });
});

// Misuse: a WebgradError naming the argument and shapes, before any GPU work.
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
