// Ops over tensors larger than one storage binding, with the limit lowered by the policy
// (bindingLimit) so that small tensors exercise the splits: each split path against a float64
// reference (or, where the per-element arithmetic is the same however the work is split, against
// the unsplit result, which the op's own tests check against float64), with poisoned outputs and
// sizes that do not divide the ranges. A spy on the runtime checks that no dispatch binds more
// than the limit: with a power-of-two limit the buffer pool rounds every tensor that fits it to a
// buffer that fits it too, so a whole buffer over the limit is a tensor over it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import type { Binding, DispatchArgs, KernelSpec } from '../../src/runtime/runtime.js';
import { asF32, expectClose, randomValues, refReduce, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const SMALL = 4096;
const MEDIUM = 65536;

/** The largest binding any dispatch made while `f` ran, in bytes, and how many dispatches there were. */
async function watched<T>(limit: number, f: () => T | Promise<T>): Promise<{ result: T; widest: number; dispatches: number }> {
  const rt = runtime();
  const original = rt.dispatch;
  let widest = 0;
  let dispatches = 0;
  rt.dispatch = function (this: typeof rt, spec: KernelSpec, args: DispatchArgs) {
    dispatches++;
    for (const b of args.buffers as Binding[]) if (!('view' in b)) widest = Math.max(widest, b.size);
    return original.call(this, spec, args);
  };
  try {
    const result = await wg.withPolicy({ bindingLimit: limit }, f);
    return { result, widest, dispatches };
  } finally {
    delete (rt as unknown as Record<string, unknown>).dispatch;
  }
}

afterEach(() => {
  // A test that failed mid-way must not leave the spy behind.
  expect(Object.prototype.hasOwnProperty.call(runtime(), 'dispatch')).toBe(false);
});

describe('reductions over tensors larger than one binding', () => {
  // At 4096 bytes a binding holds 960 elements from any start: [37, 5, 13] over axis 1 runs whole
  // slabs, 14 at a time; [3, 2000] over 1 runs the chunked two passes over ranges of rows; [2, 300, 7]
  // and [2, 700, 5] over 1 add ranges of rows in place; [6, 20, 11] over [0, 2] runs axis by axis.
  const cases: [number[], number[]][] = [
    [[37, 5, 13], [1]],
    [[3, 2000], [1]],
    [[2, 300, 7], [1]],
    [[2, 700, 5], [1]],
    [[6, 20, 11], [0, 2]],
    [[4001], [0]],
  ];
  for (const [shape, axes] of cases) {
    it(`sum, mean, max and min of [${shape}] over [${axes}] match float64, binding at most the limit`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = asF32(randomValues(n, n));
      const count = axes.reduce((c, a) => c * shape[a], 1);
      const sums = refReduce(data, shape, axes, (a, v) => a + v, 0);
      const x = wg.tensor(data, shape);
      const { result, widest, dispatches } = await watched(SMALL, () =>
        Promise.all([wg.sum(x, axes), wg.mean(x, axes), wg.max(x, axes), wg.min(x, axes)].map((t) => t.toArray())),
      );
      expect(widest).toBeLessThanOrEqual(SMALL);
      expect(dispatches).toBeGreaterThan(8);
      const [sum, mean, max, min] = result;
      expectClose(sum, sums, 1e-5, 1e-4);
      expectClose(mean, sums.map((s) => s / count), 1e-5, 1e-5);
      expectClose(max, refReduce(data, shape, axes, Math.max, -Infinity), 0, 0);
      expectClose(min, refReduce(data, shape, axes, Math.min, Infinity), 0, 0);
      x.dispose();
    });
  }

  it('the gradients of sum and max flow through split kernels', async () => {
    const shape = [6, 20, 11];
    const data = asF32(randomValues(6 * 20 * 11, 3));
    const x = wg.tensor(data, shape, { requiresGrad: true });
    const { result, widest } = await watched(SMALL, async () => {
      // d/dx Σ (sum over [0, 2]) · w = w broadcast; max's goes to each column's maximum.
      const s = wg.sum(wg.mul(wg.sum(x, [0, 2], true), wg.arange(20).reshape([1, 20, 1])));
      s.backward();
      const g1 = await x.grad!.toArray();
      x.grad = null;
      wg.sum(wg.max(x, 1)).backward();
      return [g1, await x.grad!.toArray()];
    });
    expect(widest).toBeLessThanOrEqual(SMALL);
    expectClose(result[0], Array.from({ length: data.length }, (_, i) => Math.floor(i / 11) % 20), 0, 0);
    const maxes = refReduce(data, shape, [1], Math.max, -Infinity);
    expectClose(result[1], Array.from(data, (v, i) => (v === maxes[Math.floor(i / 220) * 11 + (i % 11)] ? 1 : 0)), 0, 0);
    x.dispose();
  });

  it('argmax splits by slabs', async () => {
    const data = asF32(randomValues(50 * 41, 4));
    const x = wg.tensor(data, [50, 41]);
    const { result, widest } = await watched(SMALL, () => wg.argmax(x, 1).toArray());
    expect(widest).toBeLessThanOrEqual(SMALL);
    const expected = Array.from({ length: 50 }, (_, r) => {
      const row = Array.from(data.subarray(r * 41, r * 41 + 41));
      return row.indexOf(Math.max(...row));
    });
    expect(Array.from(result)).toEqual(expected);
    x.dispose();
  });
});

describe('element-wise ops over tensors larger than one binding', () => {
  it('a broadcast binary op splits along the first long axis; its gradient sums back', async () => {
    const a = asF32(randomValues(1000 * 3 * 11, 7));
    const b = asF32(randomValues(3, 8));
    const ta = wg.tensor(a, [1, 1000, 3, 11], { requiresGrad: true });
    const tb = wg.tensor(b, [3, 1], { requiresGrad: true });
    const { result, widest, dispatches } = await watched(MEDIUM, async () => {
      const y = wg.mul(ta, tb);
      const out = await y.toArray();
      wg.sum(wg.mul(y, 2)).backward();
      return [out, await ta.grad!.toArray(), await tb.grad!.toArray()];
    });
    expect(widest).toBeLessThanOrEqual(MEDIUM);
    expect(dispatches).toBeGreaterThan(6);
    expectClose(result[0], Array.from(a, (v, i) => v * b[Math.floor(i / 11) % 3]), 1e-6, 0);
    expectClose(result[1], Array.from(a, (_, i) => 2 * b[Math.floor(i / 11) % 3]), 1e-6, 0);
    const gb = [0, 0, 0];
    a.forEach((v, i) => (gb[Math.floor(i / 11) % 3] += 2 * v));
    expectClose(result[2], gb, 1e-4, 1e-4);
    for (const t of [ta, tb]) t.dispose();
  });

  it('a scalar operand, reluBackward and dropout split into ranges; dropout keeps its mask', async () => {
    const n = 5003;
    const data = asF32(randomValues(n, 9));
    const x = wg.tensor(data, [n], { requiresGrad: true });
    const whole = await wg.dropout(x, { p: 0.3, seed: 5 }).toArray();
    const { result, widest } = await watched(SMALL, async () => {
      const scaled = await wg.mul(x, 3).toArray();
      wg.sum(wg.mul(wg.relu(x), wg.arange(n))).backward();
      return [scaled, await x.grad!.toArray(), await wg.dropout(x, { p: 0.3, seed: 5 }).toArray()];
    });
    expect(widest).toBeLessThanOrEqual(SMALL);
    expectClose(result[0], Array.from(data, (v) => 3 * v), 1e-6, 0);
    expectClose(result[1], Array.from(data, (v, i) => (v > 0 ? i : 0)), 0, 0);
    expect(Array.from(result[2])).toEqual(Array.from(whole));
    x.dispose();
  });
});

describe('copies through views of tensors larger than one binding', () => {
  it('slice binds only the span it reads, its gradient only the span it writes; expand and cat split the dense side', async () => {
    const data = asF32(randomValues(50 * 40, 10));
    const x = wg.tensor(data, [50, 40], { requiresGrad: true });
    const { result, widest } = await watched(SMALL, async () => {
      const s = wg.slice(x, [[10, 13], [null, null, -3]]);
      wg.sum(wg.mul(s, 2)).backward();
      const e = wg.expand(wg.tensor([1, 2, 3, 4], [4, 1]), [4, 333]);
      const c = wg.cat([wg.slice(x, [[0, 20]]), wg.slice(x, [[20, 40]]), wg.slice(x, [[40, 50]])], 0);
      return [await s.toArray(), await x.grad!.toArray(), await e.toArray(), await c.toArray()];
    });
    expect(widest).toBeLessThanOrEqual(SMALL);
    const cols = Array.from({ length: 14 }, (_, k) => 39 - 3 * k);
    expectClose(result[0], [10, 11, 12].flatMap((r) => cols.map((c) => data[r * 40 + c])), 0, 0);
    expectClose(result[1], Array.from(data, (_, i) => (Math.floor(i / 40) >= 10 && Math.floor(i / 40) < 13 && cols.includes(i % 40) ? 2 : 0)), 0, 0);
    expectClose(result[2], Array.from({ length: 4 * 333 }, (_, i) => Math.floor(i / 333) + 1), 0, 0);
    expectClose(result[3], data, 0, 0);
    x.dispose();
  });
});

/** Float64 max pooling of [n, c, h, w] (floor mode, -inf padding). */
function refMaxPool(x: Float64Array, [n, c, h, w]: number[], k: number, s: number, p: number): number[] {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  const out: number[] = [];
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let m = -Infinity;
        for (let dy = 0; dy < k; dy++) {
          for (let dx = 0; dx < k; dx++) {
            const y = oy * s - p + dy;
            const xx = ox * s - p + dx;
            if (y >= 0 && y < h && xx >= 0 && xx < w) m = Math.max(m, x[plane * h * w + y * w + xx]);
          }
        }
        out.push(m);
      }
    }
  }
  return out;
}

describe('windows over tensors larger than one binding', () => {
  // At 64 KiB, 9×9 planes pooled to 4×4 run 192 planes at a time: 240 planes take two ranges.
  const shape = [3, 80, 9, 9];
  const data = asF32(randomValues(3 * 80 * 81, 11));

  for (const [k, s, p] of [
    [3, 2, 0],
    [2, 2, 1],
  ]) {
    it(`maxPool2d ${k}/${s} padding ${p}: values, indices and gradient by ranges of planes`, async () => {
      const x = wg.tensor(data, shape, { requiresGrad: true });
      const expected = refMaxPool(data, shape, k, s, p);
      const { result, widest, dispatches } = await watched(MEDIUM, async () => {
        const values = await wg.noGrad(() => wg.maxPool2d(x, { kernelSize: k, stride: s, padding: p })).toArray();
        const y = wg.maxPool2d(x, { kernelSize: k, stride: s, padding: p });
        const out = await y.toArray();
        wg.sum(y).backward();
        return [values, out, await x.grad!.toArray()];
      });
      expect(widest).toBeLessThanOrEqual(MEDIUM);
      expect(dispatches).toBeGreaterThan(6);
      expectClose(result[0], expected, 0, 0);
      expectClose(result[1], expected, 0, 0);
      // Each window's gradient (1) lands on its first maximum, in the plane's ordering.
      const grad = new Array<number>(data.length).fill(0);
      const oh = Math.floor((9 + 2 * p - k) / s) + 1;
      for (let plane = 0; plane < 240; plane++) {
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < oh; ox++) {
            const m = expected[plane * oh * oh + oy * oh + ox];
            let at = -1;
            for (let dy = 0; dy < k && at < 0; dy++) {
              for (let dx = 0; dx < k && at < 0; dx++) {
                const y = oy * s - p + dy;
                const xx = ox * s - p + dx;
                if (y >= 0 && y < 9 && xx >= 0 && xx < 9 && data[plane * 81 + y * 9 + xx] === m) at = plane * 81 + y * 9 + xx;
              }
            }
            grad[at] += 1;
          }
        }
      }
      expectClose(result[2], grad, 0, 0);
      x.dispose();
    });
  }

  it('avgPool2d (plain and adaptive), softmax and logSoftmax with their gradients by ranges of planes or slabs equal the unsplit run', async () => {
    const x = wg.tensor(data, shape, { requiresGrad: true });
    const weights = wg.tensor(asF32(randomValues(3 * 80 * 16, 14)), [3, 80, 4, 4]);
    const cases: (() => wg.Tensor)[] = [
      () => wg.avgPool2d(x, { kernelSize: 3, stride: 2 }),
      () => wg.adaptiveAvgPool2d(x, [4, 4]),
      () => wg.softmax(x, 1).reshape([3, 80, 81]).sum(2).reshape([3, 80, 1, 1]).expand([3, 80, 4, 4]),
      () => wg.logSoftmax(x, 3).mean([2, 3], true).expand([3, 80, 4, 4]),
    ];
    const run = async () => {
      const out: ArrayLike<number>[] = [];
      for (const f of cases) {
        const y = f();
        wg.sum(wg.mul(y, weights)).backward();
        out.push(await y.toArray(), await x.grad!.toArray());
        x.grad = null;
      }
      return out;
    };
    const whole = await run();
    const { result, widest } = await watched(MEDIUM, run);
    expect(widest).toBeLessThanOrEqual(MEDIUM);
    result.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(whole[i])));
    expect(whole.some((w) => Array.from(w).some(Number.isNaN))).toBe(false);
    for (const t of [x, weights]) t.dispose();
  });

  for (const size of [5, 17]) {
    it(`localResponseNorm (size ${size}) and its gradient by ranges of samples equal the unsplit run`, async () => {
      const lshape = [70, 5, 7, 7];
      const ldata = asF32(randomValues(70 * 245, 12));
      const x = wg.tensor(ldata, lshape, { requiresGrad: true });
      const weights = wg.tensor(asF32(randomValues(70 * 245, 13)), lshape);
      const run = async () => {
        const y = wg.localResponseNorm(x, { size, alpha: 0.5, beta: 0.75, k: 2 });
        wg.sum(wg.mul(y, weights)).backward();
        const out = [await y.toArray(), await x.grad!.toArray()];
        x.grad = null;
        return out;
      };
      const whole = await run();
      const { result, widest, dispatches } = await watched(MEDIUM, run);
      expect(widest).toBeLessThanOrEqual(MEDIUM);
      expect(dispatches).toBeGreaterThan(4);
      expect(Array.from(result[0])).toEqual(Array.from(whole[0]));
      expect(Array.from(result[1])).toEqual(Array.from(whole[1]));
      expect(whole[0].some(Number.isNaN)).toBe(false);
      for (const t of [x, weights]) t.dispose();
    });
  }
});

describe('refusals', () => {
  it('come before any GPU work and leave nothing allocated', () => {
    const big = wg.rand([40, 40], { seed: 1 });
    const wide = wg.rand([2, 1000], { seed: 2 });
    const row = wg.rand([1000], { seed: 3 });
    const planes = wg.rand([3, 5, 9, 9], { seed: 4 });
    const before = { dispatches: runtime().counters.dispatches, live: wg.memory().liveBuffers };
    wg.withPolicy({ bindingLimit: SMALL }, () => {
      expect(() => wg.sum(wide, 0)).toThrow(/sum: x \[2, 1000\] keeps blocks/);
      expect(() => wg.add(wide, row)).toThrow(/cannot be split/);
      expect(() => wg.split(big, [10, 30], 1)).toThrow(/split: x \[40, 40\]/);
      expect(() => wg.permute(big, [1, 0])).toThrow(/permute: x/);
      expect(() => wg.softmax(wide, 1)).toThrow(/softmax: x/);
      expect(() => wg.argmax(big.reshape([1, 1600]), 1)).toThrow(/argmax: x/);
      expect(() => wg.maxPool2d(planes, { kernelSize: 3 })).toThrow(/fewest planes/);
      expect(() => wg.localResponseNorm(planes)).toThrow(/fewest samples/);
      expect(() => wg.crossEntropy(big, new Array(40).fill(0))).toThrow(/crossEntropy: logits/);
    });
    expect(runtime().counters.dispatches).toBe(before.dispatches);
    expect(wg.memory().liveBuffers).toBe(before.live);
    for (const t of [big, wide, row, planes]) t.dispose();
  });

  it('a kernel that would bind a range over the limit is refused at dispatch, naming it', () => {
    const x = wg.zeros([2048]);
    wg.withPolicy({ bindingLimit: SMALL }, () => {
      expect(() =>
        runtime().dispatch(
          { files: ['grid', 'fill'], entry: 'fill', overrides: { WG: 64 } },
          { buffers: [{ buffer: x.buffer, offset: 0, size: 8192 }], workgroups: 1 },
        ),
      ).toThrow(/kernel grid\+fill:fill would bind 8192 bytes at binding 1, more than the binding limit of 4096 bytes/);
    });
    x.dispose();
  });
});

describe('a small convolutional network', () => {
  it('trains to the same loss and gradients with its activations over the binding limit as without', async () => {
    // conv → relu → LRN → max pool → dropout → linear → cross-entropy; the [6, 8, 20, 20] activation
    // (76,800 bytes) is over the 64 KiB limit, so the convolution takes its im2col path by chunks of
    // samples, binding only the chunk's samples of x, the output and their gradients.
    const x = wg.tensor(asF32(randomValues(6 * 3 * 20 * 20, 31)), [6, 3, 20, 20], { requiresGrad: true });
    const w1 = wg.tensor(asF32(randomValues(8 * 3 * 9, 32, 0.3)), [8, 3, 3, 3], { requiresGrad: true });
    const b1 = wg.tensor(asF32(randomValues(8, 33)), [8], { requiresGrad: true });
    const w2 = wg.tensor(asF32(randomValues(10 * 800, 34, 0.05)), [10, 800], { requiresGrad: true });
    const labels = [0, 3, 9, 1, 4, 4];
    const step = async () => {
      const h = wg.maxPool2d(wg.localResponseNorm(wg.relu(wg.conv2d(x, w1, b1, { padding: 1 })), { size: 5 }), { kernelSize: 2 });
      const loss = wg.crossEntropy(wg.linear(wg.dropout(h.reshape([6, 800]), { p: 0.2, seed: 3 }), w2), labels);
      loss.backward();
      const out = [await loss.toArray(), ...(await Promise.all([x, w1, b1, w2].map((t) => t.grad!.toArray())))];
      for (const t of [x, w1, b1, w2]) t.grad = null;
      return out;
    };
    const whole = await step();
    const { result, widest } = await watched(MEDIUM, step);
    expect(widest).toBeLessThanOrEqual(MEDIUM);
    result.forEach((r, i) => expectClose(r, whole[i], 1e-4, 1e-6));
    for (const t of [x, w1, b1, w2]) t.dispose();
  });
});

describe('edge cases of the splits', () => {
  it('a sum over an empty axis fills a result over the limit with zeros; a mean with NaN', async () => {
    const x = wg.zeros([2000, 0, 3]);
    const { result, widest } = await watched(SMALL, async () => [await wg.sum(x, 1).toArray(), await wg.mean(x, 1).toArray()]);
    expect(widest).toBeLessThanOrEqual(SMALL);
    expect(result[0].length).toBe(6000);
    expect(result[0].every((v) => v === 0)).toBe(true);
    expect(result[1].every(Number.isNaN)).toBe(true);
    x.dispose();
  });
});
