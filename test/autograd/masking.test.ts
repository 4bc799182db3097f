// tril, triu, maskedFill and matmul over leading dimensions against PyTorch (test/fixtures/attention.py):
// forward and the gradients of sum(out · gout); finite differences; misuse.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as wg from '../../src/index.js';
import { expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  args: { diagonal?: number; value?: number };
  mask?: Stored;
  inputs: Stored[];
  gout: Stored;
  out: Stored;
  grads: Stored[];
}

type Group = 'tril' | 'triu' | 'maskedFill' | 'matmul';
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/attention.json', import.meta.url), 'utf8')) as Record<Group, Case[]>;

const calls: Record<Group, (c: Case, xs: wg.Tensor[]) => wg.Tensor> = {
  tril: (c, [x]) => x.tril(c.args.diagonal),
  triu: (c, [x]) => wg.triu(x, c.args.diagonal),
  maskedFill: (c, [x]) => x.maskedFill(wg.tensor(c.mask!.data, c.mask!.shape, { dtype: 'int32' }), c.args.value!),
  matmul: (_c, [a, b]) => wg.matmul(a, b),
};

for (const group of Object.keys(calls) as (keyof typeof calls)[]) {
  const cases = fixtures[group];
  describe(`${group} against PyTorch`, () => {
    for (const c of cases) {
      it(`${c.name} ${JSON.stringify(c.args)}`, async () => {
        const xs = c.inputs.map((s) => wg.tensor(s.data, s.shape, { requiresGrad: true }));
        const out = calls[group](c, xs);
        expect(out.shape).toEqual(c.out.shape);
        expectClose(await out.toArray(), c.out.data, 1e-5, 1e-6);
        wg.sum(wg.mul(out, wg.tensor(c.gout.data, c.gout.shape))).backward();
        for (const [i, x] of xs.entries()) {
          expect(x.grad!.shape).toEqual(c.grads[i].shape);
          expectClose(await x.grad!.toArray(), c.grads[i].data, 1e-5, 1e-6);
        }
      });
    }
  });
}

describe('masking ops', () => {
  const rand = (shape: number[], seed: number) => wg.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape, { requiresGrad: true });

  it('match finite differences', async () => {
    const w = wg.tensor(randomValues(24, 5), [2, 3, 4]);
    const mask = wg.tensor([1, 0, 0, 1], [4]);
    for (const f of [(x: wg.Tensor) => wg.tril(x, -1), (x: wg.Tensor) => wg.triu(x, 1), (x: wg.Tensor) => wg.maskedFill(x, mask, 3)]) {
      const r = await wg.gradCheck((x) => wg.sum(wg.mul(f(x), w)), [rand([2, 3, 4], 1)]);
      expect(r.maxRelativeError).toBeLessThan(1e-2);
    }
    const r = await wg.gradCheck((a, b) => wg.sum(wg.matmul(a, b)), [rand([2, 1, 3, 4], 2), rand([3, 4, 2], 3)]);
    expect(r.maxRelativeError).toBeLessThan(1e-2);
  });

  it('tril keeps what lies above an infinite element zero (where, not a product)', async () => {
    const x = wg.tensor([1, Infinity, Number.NaN, 4], [2, 2]);
    expect(Array.from(await wg.tril(x).toArray())).toEqual([1, 0, Number.NaN, 4]);
  });

  it('refuse misuse, naming the argument and the shapes', () => {
    const x = rand([2, 3], 1);
    expect(() => wg.tril(rand([3], 1))).toThrow(/tril: x must have at least 2 dimensions, got shape \[3\]/);
    expect(() => wg.triu(x, 0.5)).toThrow(/triu: diagonal must be an integer, got 0.5/);
    expect(() => wg.tril(wg.int(x))).toThrow(/tril: x must be float32, got int32/);
    expect(() => wg.maskedFill(x, wg.tensor([1, 0], [2]), 1)).toThrow(/maskedFill.*mask \[2\]/);
    expect(() => wg.maskedFill(x, wg.tensor([1, 0, 1, 0, 1, 0], [1, 2, 3]), 1)).toThrow(/maskedFill: mask \[1, 2, 3\] must broadcast to x's shape \[2, 3\]/);
    expect(() => wg.maskedFill(x, wg.tensor([1, 0, 1], [3]), wg.tensor([1, 2]))).toThrow(/value must be a number or a 0-D tensor, got shape \[2\]/);
    expect(() => wg.matmul(rand([2, 3, 4, 5], 1), rand([3, 6, 2], 2))).toThrow(/matmul: inner dimensions differ \(5 vs 6\) for a \[2, 3, 4, 5\] and b \[3, 6, 2\]/);
    expect(() => wg.matmul(rand([2, 3, 4, 5], 1), rand([4, 5, 2], 2))).toThrow(/matmul \(the batch dimensions of a \[2, 3, 4, 5\] and b \[4, 5, 2\]\).*cannot be broadcast/);
    expect(() => wg.matmul(wg.tensor(1), x)).toThrow(/matmul: a and b must have at least one dimension/);
  });
});
