import { beforeAll, describe, expect, it } from 'vitest';
import {
  abs, add, div, exp, expand, gradCheck, log, max, maximum, mean, minimum, mul, neg, noGrad, permute, pow, relu, reshape,
  rsqrt, sigmoid, sqrt, sub, sum, tanh, tensor, transpose, type Tensor,
} from '../../src/index.js';
import { record } from '../../src/graph/record.js';
import { randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** Values whose magnitude lies in [lo, hi], with random signs unless `positive`. */
function awayFromZero(n: number, seed: number, lo: number, hi: number, positive = false): Float64Array {
  const u = randomValues(n, seed);
  return u.map((v) => (positive || v > 0 ? 1 : -1) * (lo + (hi - lo) * Math.abs(v)));
}

/** Distinct values 0.1 apart in a shuffled order: a max never changes under a ±0.01 step. */
function spaced(n: number, seed: number): Float64Array {
  const order = Array.from(randomValues(n, seed)).map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Float64Array(n);
  order.forEach(([, i], rank) => (out[i] = 0.1 * rank - 0.05 * n));
  return out;
}

const input = (values: ArrayLike<number>, shape: number[]): Tensor => tensor(values, shape, { requiresGrad: true });

/** A scalar that weighs every element of `y` differently, so that a transposed gradient shows. */
function weighted(y: Tensor, seed = 999): Tensor {
  const w = tensor(randomValues(y.size, seed), [...y.shape]);
  return sum(mul(y, w));
}

async function expectPasses(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Promise<void> {
  const result = await gradCheck(fn, inputs);
  expect(result.maxRelativeError, `worst at ${JSON.stringify(result.perInput.map((p) => p && [p.worst, p.analytic[p.worst], p.numeric[p.worst]]))}`).toBeLessThan(1e-2);
  expect(result.ok).toBe(true);
  for (const t of inputs) t.dispose();
}

describe('gradCheck passes for the foundation ops', () => {
  const shape = [3, 5];
  const n = 15;
  const unaries: [string, (x: Tensor) => Tensor, Float64Array][] = [
    ['neg', neg, randomValues(n, 1)],
    ['abs', abs, awayFromZero(n, 2, 0.1, 1)],
    ['exp', exp, randomValues(n, 3)],
    ['log', log, awayFromZero(n, 4, 0.5, 2, true)],
    ['sqrt', sqrt, awayFromZero(n, 5, 0.5, 2, true)],
    ['rsqrt', rsqrt, awayFromZero(n, 6, 0.5, 2, true)],
    ['relu', relu, awayFromZero(n, 7, 0.1, 1)],
    ['sigmoid', sigmoid, randomValues(n, 8, 2)],
    ['tanh', tanh, randomValues(n, 9, 1.5)],
  ];
  for (const [name, op, values] of unaries) {
    it(name, async () => {
      await expectPasses((x) => weighted(op(x)), [input(values, shape)]);
    });
  }

  // b broadcasts along the first axis; then the operands swap and b broadcasts along the second.
  // Divisors stay away from zero and bases of pow positive, in either position.
  const binaries: [string, (a: Tensor, b: Tensor) => Tensor, Float64Array, Float64Array][] = [
    ['add', add, randomValues(n, 11), randomValues(5, 12)],
    ['sub', sub, randomValues(n, 13), randomValues(5, 14)],
    ['mul', mul, randomValues(n, 15), randomValues(5, 16)],
    ['div', div, awayFromZero(n, 17, 0.5, 1.5), awayFromZero(5, 18, 0.5, 1.5)],
    ['pow', pow, awayFromZero(n, 19, 0.5, 1.5, true), awayFromZero(5, 20, 0.5, 2, true)],
  ];
  for (const [name, op, a, b] of binaries) {
    it(`${name} with broadcasting`, async () => {
      await expectPasses((x, y) => weighted(op(x, y)), [input(a, shape), input(b, [5])]);
      await expectPasses((x, y) => weighted(op(y, x)), [input(a, shape), input(b.slice(0, 3), [3, 1])]);
    });
  }

  for (const [name, op] of [['maximum', maximum], ['minimum', minimum]] as const) {
    it(`${name} with broadcasting`, async () => {
      // a on multiples of 0.1, b halfway between: every pair at least 0.05 apart, far from a tie
      // under a ±0.01 step.
      const a = spaced(n, 21).map((v) => v + 0.05);
      const b = Float64Array.from({ length: 5 }, (_, j) => 0.1 * (j * 3 - 7) + 0.05);
      await expectPasses((x, y) => weighted(op(x, y)), [input(a, shape), input(b, [5])]);
    });
  }

  it('maximum and minimum share a tie half and half, as PyTorch 1.13 does', async () => {
    for (const [op, wantA] of [[maximum, [0.5, 0, 1, 0.5]], [minimum, [0.5, 1, 0, 0.5]]] as const) {
      const a = tensor([1, 2, 3, -4], [4], { requiresGrad: true });
      const b = tensor([1, 5, 0, -4], [4], { requiresGrad: true });
      sum(op(a, b)).backward();
      expect(Array.from(await a.grad!.toArray())).toEqual(wantA);
      expect(Array.from(await b.grad!.toArray())).toEqual(wantA.map((v) => 1 - v));
      for (const t of [a, b, a.grad!, b.grad!]) t.dispose();
    }
  });

  it('sum, mean and max over axes', async () => {
    const v = randomValues(24, 31);
    const shape3 = [2, 3, 4];
    await expectPasses((x) => weighted(sum(x, 1)), [input(v, shape3)]);
    await expectPasses((x) => weighted(sum(x, [0, 2], true)), [input(v, shape3)]);
    await expectPasses((x) => mul(sum(x), 0.5), [input(v, shape3)]);
    await expectPasses((x) => weighted(mean(x, [0, 2])), [input(v, shape3)]);
    await expectPasses((x) => weighted(mean(x, -1, true)), [input(v, shape3)]);
    await expectPasses((x) => weighted(max(x, 1)), [input(spaced(24, 32), shape3)]);
    await expectPasses((x) => weighted(max(x, [0, 2])), [input(spaced(24, 33), shape3)]);
    await expectPasses((x) => max(x), [input(spaced(24, 34), shape3)]);
  });

  it('reshape, permute, transpose and expand', async () => {
    const v = randomValues(24, 41);
    await expectPasses((x) => weighted(mul(reshape(x, [4, 6]), reshape(x, [4, 6]))), [input(v, [2, 3, 4])]);
    await expectPasses((x) => weighted(permute(x, [2, 0, 1])), [input(v, [2, 3, 4])]);
    await expectPasses((x) => weighted(transpose(x)), [input(v, [2, 3, 4])]);
    await expectPasses((x) => weighted(transpose(x, 0, 1)), [input(v, [2, 3, 4])]);
    await expectPasses((x) => weighted(expand(x, [2, 3, 4])), [input(randomValues(4, 42), [4])]);
    await expectPasses((x) => weighted(expand(x, [2, 3, 4])), [input(randomValues(6, 43), [2, 3, 1])]);
  });

  it('a composite of several ops and two inputs', async () => {
    const a = input(randomValues(12, 51), [3, 4]);
    const b = input(awayFromZero(4, 52, 0.5, 1), [4]);
    await expectPasses((x, y) => mean(tanh(div(mul(x, exp(x)), y))), [a, b]);
  });
});

describe('gradCheck catches wrong gradients', () => {
  /** 2·x computed correctly, with the backward rule given. */
  function fakeDouble(x: Tensor, backward: (g: Tensor) => Tensor | null): Tensor {
    const out = noGrad(() => mul(x, 2));
    return record(out, 'fakeDouble', [x], (g) => [backward(g)]);
  }

  it('a gradient off by a factor', async () => {
    const x = input(randomValues(10, 61), [10]);
    const r = await gradCheck((t) => weighted(fakeDouble(t, (g) => mul(g, 3))), [x]);
    expect(r.maxRelativeError).toBeGreaterThan(0.3);
    expect(r.ok).toBe(false);
    x.dispose();
  });

  it('a gradient of the wrong sign, and a missing one', async () => {
    const x = input(randomValues(10, 62), [10]);
    const flipped = await gradCheck((t) => weighted(fakeDouble(t, (g) => mul(g, -2))), [x]);
    expect(flipped.maxRelativeError).toBeGreaterThan(1.5);
    const missing = await gradCheck((t, u) => weighted(add(fakeDouble(t, () => null), u)), [x, input(randomValues(10, 63), [10])]);
    expect(missing.perInput[0]!.maxRelativeError).toBeGreaterThan(0.9);
    expect(missing.perInput[1]!.maxRelativeError).toBeLessThan(1e-2);
    x.dispose();
  });

  it('a transposed gradient', async () => {
    const x = input(randomValues(12, 64), [3, 4]);
    // The identity, whose rule hands back g reinterpreted in a transposed order.
    const fake = (t: Tensor): Tensor => {
      const out = noGrad(() => mul(t, 1));
      return record(out, 'fakeIdentity', [t], (g) => [reshape(transpose(reshape(g, [4, 3])), [3, 4])]);
    };
    const r = await gradCheck((t) => weighted(fake(t)), [x]);
    expect(r.maxRelativeError).toBeGreaterThan(0.5);
    x.dispose();
  });
});

describe('gradCheck', () => {
  it('leaves the inputs’ gradients as they were, and skips inputs without requiresGrad', async () => {
    const x = input(randomValues(4, 71), [4]);
    const c = tensor(randomValues(4, 72), [4]);
    const g = tensor([1, 2, 3, 4], [4]);
    x.grad = g;
    const r = await gradCheck((a, b) => sum(mul(a, b)), [x, c]);
    expect(r.perInput[1]).toBeNull();
    expect(x.grad).toBe(g);
    expect(Array.from(await g.toArray())).toEqual([1, 2, 3, 4]);
    // d/dx Σ x·c = c
    const cv = await c.toArray();
    r.perInput[0]!.analytic.forEach((v, i) => expect(v).toBeCloseTo(cv[i], 6));
    x.dispose();
    c.dispose();
  });

  it('rejects a non-scalar fn and inputs without requiresGrad', async () => {
    const x = input([1, 2, 3], [3]);
    await expect(gradCheck((a) => mul(a, 2), [x])).rejects.toThrow(/one-element tensor, got shape \[3\]/);
    const c = tensor([1, 2, 3], [3]);
    await expect(gradCheck((a) => sum(a), [c])).rejects.toThrow(/no input requires grad/);
    x.dispose();
    c.dispose();
  });
});
