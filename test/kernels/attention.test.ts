// scaledDotProductAttention beyond the PyTorch fixtures (attention-fixtures.test.ts): rows that see
// no key, the fused kernels split over heads under a lowered binding limit, leading dimensions that
// broadcast, dropout, finite differences, memory, and misuse.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { attentionComposed } from '../../src/ops/attention-composed.js';
import type { Binding, DispatchArgs, KernelSpec } from '../../src/runtime/runtime.js';
import { expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const rand = (shape: number[], seed: number, grad = true): wg.Tensor =>
  wg.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape, { requiresGrad: grad });

const composed = (q: wg.Tensor, k: wg.Tensor, v: wg.Tensor, extra: { mask?: wg.Tensor; causal?: boolean } = {}): wg.Tensor =>
  attentionComposed(q, k, v, { mask: extra.mask ?? null, causal: extra.causal ?? false, dropoutP: 0, seed: 0, scale: 1 / Math.sqrt(q.shape[q.rank - 1]) });

/** Output and input gradients of sum(f(q, k, v) · w) for a fixed random w. */
async function outAndGrads(f: (q: wg.Tensor, k: wg.Tensor, v: wg.Tensor) => wg.Tensor, shapes: number[][]): Promise<Float32Array[]> {
  const inputs = shapes.map((s, i) => rand(s, 10 + i));
  const out = f(inputs[0], inputs[1], inputs[2]);
  const w = rand([...out.shape], 99, false);
  wg.sum(wg.mul(out, w)).backward();
  const values = [await out.toArray(), ...(await Promise.all(inputs.map((t) => t.grad!.toArray())))] as Float32Array[];
  for (const t of [...inputs, out, w]) t.dispose();
  return values;
}

describe('scaledDotProductAttention', () => {
  it('gives NaN for a query that sees no key (as PyTorch), and the other rows their values', async () => {
    const [q, k, v] = [rand([1, 3, 4], 1), rand([1, 5, 4], 2), rand([1, 5, 2], 3)];
    const mask = wg.tensor([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1], [3, 5], { dtype: 'int32' });
    const fused = await wg.scaledDotProductAttention(q, k, v, { attnMask: mask }).toArray();
    const reference = await composed(q, k, v, { mask }).toArray();
    expect(Array.from(fused.slice(2, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(reference.slice(2, 4)).every(Number.isNaN)).toBe(true);
    expectClose([...fused.slice(0, 2), ...fused.slice(4)], [...reference.slice(0, 2), ...reference.slice(4)], 1e-5, 1e-6);
  });

  it('splits the fused kernels over heads under a lowered binding limit, with the same results', async () => {
    // Heads whose operands are multiples of 64 floats long, so that runs of heads start at offsets
    // the device can bind (else the fused kernels decline and the composed form runs).
    const shapes = [[2, 5, 64, 8], [2, 5, 48, 8], [2, 5, 48, 4]];
    const f = (q: wg.Tensor, k: wg.Tensor, v: wg.Tensor) => wg.scaledDotProductAttention(q, k, v, { isCausal: true });
    const whole = await outAndGrads(f, shapes);
    const rt = runtime();
    const original = rt.dispatch;
    let widest = 0;
    let attentionDispatches = 0;
    rt.dispatch = function (this: typeof rt, spec: KernelSpec, args: DispatchArgs) {
      if (spec.files.includes('attention_common')) {
        attentionDispatches++;
        // Ranges and whole buffers alike (the small int mask's additive form aside: it fits).
        for (const b of args.buffers as Binding[]) if (!('view' in b)) widest = Math.max(widest, ('buffer' in b ? b.size : (b as GPUBuffer).size) ?? 0);
      }
      return original.call(this, spec, args);
    };
    const limit = 8192;
    try {
      const split = await wg.withPolicy({ bindingLimit: limit }, () => outAndGrads(f, shapes));
      split.forEach((values, i) => expectClose(values, whole[i], 1e-6, 1e-7));
    } finally {
      delete (rt as unknown as Record<string, unknown>).dispatch;
    }
    // Forward, delta, dq and dk/dv, each over several runs of heads.
    expect(attentionDispatches).toBeGreaterThan(4);
    expect(widest).toBeLessThanOrEqual(limit);
  });

  it('runs the unrolled kernels (GPUs, and large problems on CPU adapters) to the same results as the rolled ones', async () => {
    const shapes = [[2, 3, 9, 5], [2, 3, 7, 5], [2, 3, 7, 3]];
    const f = (q: wg.Tensor, k: wg.Tensor, v: wg.Tensor) => wg.scaledDotProductAttention(q, k, v, { isCausal: true });
    const rolled = await outAndGrads(f, shapes);
    const unrolled = await wg.withPolicy({ sizing: 'gpu' }, () => outAndGrads(f, shapes));
    unrolled.forEach((values, i) => expectClose(values, rolled[i], 1e-5, 1e-6));
  });

  it('broadcasts leading dimensions (k and v shared by the heads), gradients summed as the composed form', async () => {
    const shapes = [[2, 3, 6, 5], [1, 1, 7, 5], [2, 1, 7, 4]];
    const fused = await outAndGrads((q, k, v) => wg.scaledDotProductAttention(q, k, v), shapes);
    const reference = await outAndGrads((q, k, v) => composed(q, k, v), shapes);
    fused.forEach((values, i) => expectClose(values, reference[i], 1e-4, 1e-5));
  });

  it('takes one tensor as q, k and v (self-attention), its gradients summed', async () => {
    const grads: Float32Array[] = [];
    for (const form of ['fused', 'composed']) {
      const x = rand([2, 7, 5], 21);
      const w = rand([2, 7, 5], 22, false);
      const out = form === 'fused' ? wg.scaledDotProductAttention(x, x, x, { isCausal: true }) : composed(x, x, x, { causal: true });
      wg.sum(wg.mul(out, w)).backward();
      grads.push((await x.grad!.toArray()) as Float32Array);
    }
    expectClose(grads[0], grads[1], 1e-4, 1e-5);
  });

  it('matches finite differences (causal, a float mask broadcast over heads)', async () => {
    const [q, k, v] = [rand([2, 2, 5, 3], 4), rand([2, 2, 6, 3], 5), rand([2, 2, 6, 2], 6)];
    const mask = rand([2, 1, 5, 6], 7, false);
    const w = rand([2, 2, 5, 2], 8, false);
    const result = await wg.gradCheck((q, k, v) => wg.sum(wg.mul(wg.scaledDotProductAttention(q, k, v, { attnMask: mask }), w)), [q, k, v]);
    expect(result.maxRelativeError).toBeLessThan(1e-2);
    const causal = await wg.gradCheck((q, k, v) => wg.sum(wg.mul(wg.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }), w)), [q, k, v]);
    expect(causal.maxRelativeError).toBeLessThan(1e-2);
  });

  it('applies dropout to the weights in the fused kernels, with the composed form\'s mask for the same seed', async () => {
    const shapes = [[2, 2, 9, 3], [2, 2, 70, 3], [2, 2, 70, 5]];
    const fused = await outAndGrads((q, k, v) => wg.scaledDotProductAttention(q, k, v, { dropoutP: 0.4, seed: 77, isCausal: true }), shapes);
    const reference = await outAndGrads(
      (q, k, v) => attentionComposed(q, k, v, { mask: null, causal: true, dropoutP: 0.4, seed: 77, scale: 1 / Math.sqrt(3) }),
      shapes,
    );
    fused.forEach((values, i) => expectClose(values, reference[i], 1e-4, 1e-5));
    const probe = wg.scaledDotProductAttention(rand([1, 2, 3], 1), rand([1, 4, 3], 2), rand([1, 4, 3], 3), { dropoutP: 0.5 });
    expect(probe.node?.op).toBe('scaledDotProductAttention');
    const [q, k, v] = shapes.map((s, i) => rand(s, 30 + i, false));
    const a = await wg.scaledDotProductAttention(q, k, v, { dropoutP: 0.4, seed: 77 }).toArray();
    const b = await wg.scaledDotProductAttention(q, k, v, { dropoutP: 0.4, seed: 78 }).toArray();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Array.from(await wg.scaledDotProductAttention(q, k, v, { dropoutP: 1 }).toArray()).every((x) => x === 0)).toBe(true);
  });

  it('keeps live buffers flat over training steps', async () => {
    const [q, k, v] = [rand([2, 2, 9, 4], 1), rand([2, 2, 9, 4], 2), rand([2, 2, 9, 4], 3)];
    const mask = wg.tensor([1, 0, 1, 1, 1, 1, 1, 1, 1], [9], { dtype: 'int32' });
    const step = async () => {
      wg.tidy(() => wg.sum(wg.scaledDotProductAttention(q, k, v, { attnMask: mask })).backward());
      for (const t of [q, k, v]) {
        t.grad?.dispose();
        t.grad = null;
      }
      await wg.sync();
    };
    await step();
    const before = wg.memory().liveBuffers;
    for (let i = 0; i < 3; i++) await step();
    expect(wg.memory().liveBuffers).toBe(before);
  });

  it('refuses misuse before any GPU work, naming the arguments and shapes', () => {
    const q = rand([2, 4, 3], 1, false);
    const k = rand([2, 5, 3], 2, false);
    const v = rand([2, 5, 6], 3, false);
    const sdpa = wg.scaledDotProductAttention;
    expect(() => sdpa(q, rand([2, 5, 4], 4, false), v)).toThrow(/k's last dimension must be q's \(E = 3\), got q \[2, 4, 3\], k \[2, 5, 4\], v \[2, 5, 6\]/);
    expect(() => sdpa(q, k, rand([2, 6, 6], 5, false))).toThrow(/v and k must have as many rows \(S\), got q \[2, 4, 3\], k \[2, 5, 3\], v \[2, 6, 6\]/);
    expect(() => sdpa(q, rand([3, 5, 3], 6, false), rand([3, 5, 6], 6, false))).toThrow(/scaledDotProductAttention.*cannot be broadcast/);
    expect(() => sdpa(rand([3], 1, false), k, v)).toThrow(/at least 2 dimensions/);
    expect(() => sdpa(q, k, v, { attnMask: rand([4, 6], 7, false) })).toThrow(/attnMask \[4, 6\].*\[2, 4, 5\]/);
    expect(() => sdpa(q, k, v, { attnMask: rand([1, 2, 4, 5], 7, false) })).toThrow(/attnMask \[1, 2, 4, 5\] must broadcast to the scores' shape \[2, 4, 5\]/);
    expect(() => sdpa(q, k, v, { attnMask: rand([3, 4, 5], 7, false) })).toThrow(/attnMask \[3, 4, 5\] against the scores \[2, 4, 5\]/);
    expect(() => sdpa(q, k, v, { attnMask: rand([4, 5], 7, false), isCausal: true })).toThrow(/attnMask or isCausal, not both/);
    expect(() => sdpa(q, k, v, { dropoutP: 1.5 })).toThrow(/dropoutP must be in \[0, 1\], got 1.5/);
    expect(() => sdpa(q, k, v, { scale: Number.NaN })).toThrow(/scale must be a finite number/);
    expect(() => sdpa(q, k, v, { isCausal: 1 as unknown as boolean })).toThrow(/isCausal must be a boolean/);
    expect(() => sdpa(wg.int(q), k, v)).toThrow(/q must be float32/);
    const gone = rand([2, 5, 3], 9, false);
    gone.dispose();
    expect(() => sdpa(q, gone, v)).toThrow(/used after dispose/);
  });
});
