import { beforeAll, describe, expect, it } from 'vitest';
import { clamp, tensor, where } from '../../src/index.js';
import { setupDevice } from '../helpers.js';

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
