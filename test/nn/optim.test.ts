import { beforeAll, describe, expect, it } from 'vitest';
import { optim, tensor, Tensor, tidy, memory, WebgradError } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

interface Hyper {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** torch.optim.SGD's rule in float64, one parameter. */
function referenceSgd(p0: Float64Array, grads: Float64Array[], h: Hyper, lrs?: number[]): { p: Float64Array; buf: Float64Array | null } {
  const p = Float64Array.from(p0);
  let buf: Float64Array | null = null;
  const m = h.momentum ?? 0;
  grads.forEach((g, step) => {
    const lr = lrs?.[step] ?? h.lr;
    const d = g.map((gi, i) => gi + (h.weightDecay ?? 0) * p[i]);
    if (m !== 0) {
      if (!buf) buf = Float64Array.from(d);
      else for (let i = 0; i < d.length; i++) buf[i] = m * buf[i] + (1 - (h.dampening ?? 0)) * d[i];
      for (let i = 0; i < d.length; i++) d[i] = h.nesterov ? d[i] + m * buf[i] : buf[i];
    }
    for (let i = 0; i < p.length; i++) p[i] -= lr * d[i];
  });
  return { p, buf };
}

/** Runs `steps` SGD steps with the given gradients on the GPU; returns the parameter and buffer values. */
async function runSgd(shape: number[], p0: Float64Array, grads: Float64Array[], h: Hyper, lrs?: number[]) {
  const p = tensor(p0, shape, { requiresGrad: true });
  const opt = new optim.SGD([p], h);
  for (let s = 0; s < grads.length; s++) {
    if (lrs) opt.lr = lrs[s];
    p.grad = tensor(grads[s], shape);
    opt.step();
    opt.zeroGrad();
  }
  const values = Float64Array.from(await p.toArray());
  const b = opt.stateDict().momentumBuffers[0];
  const buf = b ? Float64Array.from(await b.toArray()) : null;
  expect(opt.stateDict().step).toBe(grads.length);
  opt.dispose();
  p.dispose();
  return { p: values, buf };
}

const cases: [string, Hyper][] = [
  ['plain', { lr: 0.1 }],
  ['weight decay', { lr: 0.05, weightDecay: 0.01 }],
  ['momentum', { lr: 0.1, momentum: 0.9 }],
  ['momentum + dampening + weight decay', { lr: 0.02, momentum: 0.8, dampening: 0.3, weightDecay: 5e-4 }],
  ['nesterov + weight decay', { lr: 0.03, momentum: 0.9, nesterov: true, weightDecay: 0.005 }],
];

describe('SGD', () => {
  // 1031 elements: not a multiple of 4 (the kernel's vec4) nor of 1024 (its workgroup).
  const shapes = [[1031], [3, 5], [1]];
  for (const [name, h] of cases) {
    it(`matches torch.optim.SGD over 4 steps: ${name}`, async () => {
      for (const shape of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const p0 = asF32(randomValues(n, 11 + n));
        const grads = [0, 1, 2, 3].map((s) => asF32(randomValues(n, 100 * s + n, 2)));
        const got = await runSgd(shape, p0, grads, h);
        const want = referenceSgd(p0, grads, h);
        expectClose(got.p, want.p, 1e-5, 1e-6);
        if (h.momentum) expectClose(got.buf!, want.buf!, 1e-5, 1e-6);
        else expect(got.buf).toBeNull();
      }
    });
  }

  it('takes a changed lr without recompiling', async () => {
    const n = 37;
    const h = { lr: 0.1, momentum: 0.5 };
    const lrs = [0.1, 0.05, 0.025, 0.3];
    const p0 = asF32(randomValues(n, 3));
    const grads = lrs.map((_, s) => asF32(randomValues(n, 40 + s)));
    await runSgd([n], p0, grads, h, lrs);
    const compiled = runtime().counters.pipelinesCompiled;
    const got = await runSgd([n], p0, grads, h, lrs);
    expect(runtime().counters.pipelinesCompiled).toBe(compiled);
    expectClose(got.p, referenceSgd(p0, grads, h, lrs).p, 1e-5, 1e-6);
  });

  it('runs one dispatch per parameter that has a gradient', () => {
    const ps = [3, 1025, 8].map((n, i) => tensor(randomValues(n, i), [n], { requiresGrad: true }));
    const opt = new optim.SGD(ps, { lr: 0.1, momentum: 0.9 });
    const setGrads = () => ps.slice(0, 2).forEach((p, i) => (p.grad = tensor(randomValues(p.size, 50 + i), [p.size])));
    setGrads();
    opt.step();
    setGrads();
    const before = runtime().counters.dispatches;
    opt.step();
    expect(runtime().counters.dispatches - before).toBe(2);
    opt.zeroGrad();
    opt.dispose();
    for (const p of ps) p.dispose();
  });

  it('keeps the parameter objects and skips parameters without a gradient', async () => {
    const a0 = asF32(randomValues(5, 1));
    const b0 = asF32(randomValues(7, 2));
    const a = tensor(a0, [5], { requiresGrad: true });
    const b = tensor(b0, [7], { requiresGrad: true });
    const opt = new optim.SGD([a, b], { lr: 0.5, momentum: 0.9 });
    const ga = asF32(randomValues(5, 9));
    a.grad = tensor(ga, [5]);
    opt.step();
    expect(opt.params[0]).toBe(a);
    expectClose(await a.toArray(), referenceSgd(a0, [ga], { lr: 0.5, momentum: 0.9 }).p);
    expectClose(await b.toArray(), b0, 0, 0);
    expect(opt.stateDict().momentumBuffers[1]).toBeNull();
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    opt.dispose();
    a.dispose();
    b.dispose();
  });

  it('keeps its momentum buffers alive across tidy scopes', async () => {
    const n = 9;
    const p0 = asF32(randomValues(n, 5));
    const grads = [0, 1, 2].map((s) => asF32(randomValues(n, 70 + s)));
    const h = { lr: 0.1, momentum: 0.9 };
    const p = tensor(p0, [n], { requiresGrad: true });
    const opt = new optim.SGD([p], h);
    for (const g of grads) {
      tidy(() => {
        p.grad = tensor(g, [n]);
        opt.step();
        opt.zeroGrad();
      });
    }
    expectClose(await p.toArray(), referenceSgd(p0, grads, h).p, 1e-5, 1e-6);
    const before = memory().liveBuffers;
    opt.dispose();
    expect(memory().liveBuffers).toBe(before - 1);
    p.dispose();
  });

  it('round-trips its state through stateDict / loadStateDict (and the safetensors-style record)', async () => {
    const n = 13;
    const h = { lr: 0.07, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 };
    const p0 = asF32(randomValues(n, 21));
    const grads = [0, 1, 2, 3].map((s) => asF32(randomValues(n, 90 + s)));
    const want = referenceSgd(p0, grads, h);

    const p = tensor(p0, [n], { requiresGrad: true });
    const opt = new optim.SGD([p], h);
    for (const g of grads.slice(0, 2)) {
      p.grad = tensor(g, [n]);
      opt.step();
      opt.zeroGrad();
    }
    const state = opt.stateDict();
    expect(Object.keys(state.tensors)).toEqual(['state.0.momentum_buffer']);
    expect(state.tensors['state.0.momentum_buffer']).toBe(state.momentumBuffers[0]);
    expect(state.step).toBe(2);

    // A second optimizer resumes from the saved tensors (copied, so the first may go away).
    const saved = tensor(await state.tensors['state.0.momentum_buffer'].toArray(), [n]);
    const p2 = tensor(await p.toArray(), [n], { requiresGrad: true });
    const opt2 = new optim.SGD([p2], h);
    opt2.loadStateDict({ step: state.step, lr: state.lr, tensors: { 'state.0.momentum_buffer': saved } });
    saved.dispose();
    opt.dispose();
    for (const g of grads.slice(2)) {
      p2.grad = tensor(g, [n]);
      opt2.step();
      opt2.zeroGrad();
    }
    expect(opt2.stateDict().step).toBe(4);
    expectClose(await p2.toArray(), want.p, 1e-5, 1e-6);
    expectClose(await opt2.stateDict().momentumBuffers[0]!.toArray(), want.buf!, 1e-5, 1e-6);
    opt2.dispose();
    p.dispose();
    p2.dispose();
  });

  it('rejects bad arguments with messages naming them', () => {
    const p = tensor([1, 2, 3], [3], { requiresGrad: true });
    const q = tensor([1, 2], [2]);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new optim.SGD([q], { lr: 0.1 })).toThrow(/params\[0\] \(shape \[2\]\) must be a leaf tensor with requiresGrad/);
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow(/lr must be/);
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => new optim.SGD([p, p], { lr: 0.1 })).toThrow(/appears more than once/);
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = tensor([1, 2], [2]);
    expect(() => opt.step()).toThrow(WebgradError);
    expect(() => opt.step()).toThrow(/params\[0\]\.grad has shape \[2\] but the parameter has \[3\]/);
    opt.zeroGrad();
    const bad = tensor([1, 2], [2]);
    expect(() => opt.loadStateDict({ momentumBuffers: [bad] })).toThrow(/momentum buffer 0 has shape \[2\] \(float32\) but params\[0\] has \[3\]/);
    expect(() => opt.loadStateDict({ momentum: 0.5 })).toThrow(/momentum 0.5 but this optimizer has 0.9/);
    for (const t of [p, q, bad] as Tensor[]) t.dispose();
  });
});

describe('StepLR', () => {
  it("follows PyTorch's sequence", () => {
    const opt = { lr: 0.1 };
    const sched = new optim.StepLR(opt, { stepSize: 3, gamma: 0.5 });
    const lrs: number[] = [opt.lr];
    for (let e = 0; e < 9; e++) {
      sched.step();
      lrs.push(opt.lr);
    }
    // torch: StepLR(SGD(lr=0.1), step_size=3, gamma=0.5); [lr, then after each of 9 scheduler.step()]
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]);
    expect(sched.getLastLr()).toBe(0.0125);
  });

  it('uses gamma 0.1 by default and chains products as PyTorch does', () => {
    const opt = { lr: 0.01 };
    const sched = new optim.StepLR(opt, { stepSize: 2 });
    const lrs = [];
    for (let e = 0; e < 6; e++) {
      sched.step();
      lrs.push(opt.lr);
    }
    // PyTorch multiplies the current lr (no closed form): the same doubles as this chain.
    const chain = [0.01, 0.01 * 0.1, 0.01 * 0.1, 0.01 * 0.1 * 0.1, 0.01 * 0.1 * 0.1, 0.01 * 0.1 * 0.1 * 0.1];
    expect(lrs).toEqual(chain);
    expect(lrs[3]).toBeCloseTo(1e-4, 15);
  });

  it('resumes from its stateDict', () => {
    const opt = { lr: 1 };
    const a = new optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    a.step();
    a.step();
    a.step();
    const opt2 = { lr: opt.lr };
    const b = new optim.StepLR(opt2, { stepSize: 2, gamma: 0.5 });
    b.loadStateDict(a.stateDict());
    a.step();
    b.step();
    expect(opt2.lr).toBe(opt.lr);
    expect(opt.lr).toBe(0.25);
  });

  it('rejects a bad stepSize', () => {
    expect(() => new optim.StepLR({ lr: 1 }, { stepSize: 0 })).toThrow(/stepSize must be an integer >= 1/);
  });
});

describe('ReduceLROnPlateau', () => {
  it("follows PyTorch's sequence in min mode with patience and cooldown", () => {
    const opt = { lr: 1 };
    const sched = new optim.ReduceLROnPlateau(opt, { factor: 0.5, patience: 2, cooldown: 1, minLr: 0.1 });
    const losses = [10, 9, 9, 9, 9, 8.9995, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9];
    const lrs = losses.map((l) => {
      sched.step(l);
      return opt.lr;
    });
    // Hand-computed with torch's rules: best 9 after epoch 2 (8.9995 is never better: not below
    // 9·(1 − 1e-4) = 8.9991); the 3rd bad epoch in a row reduces (patience 2); after each reduction
    // the cooldown of 1 swallows one epoch's count.
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125, 0.125]);
    // The next reduction is floored at minLr: max(0.0625, 0.1).
    sched.step(9);
    sched.step(9);
    sched.step(9);
    sched.step(9);
    expect(opt.lr).toBe(0.1);
  });

  it('works in max mode with an absolute threshold', () => {
    const opt = { lr: 0.1 };
    const sched = new optim.ReduceLROnPlateau(opt, { mode: 'max', patience: 1, threshold: 0.01, thresholdMode: 'abs' });
    const lrs = [0.5, 0.6, 0.605, 0.608, 0.62, 0.62].map((acc) => {
      sched.step(acc);
      return opt.lr;
    });
    // best 0.5 → 0.6 (better) → 0.605 bad 1 → 0.608 bad 2 > patience: reduce
    // → 0.62 better (> 0.6 + 0.01) → 0.62 bad 1
    expect(lrs.map((v) => Number(v.toPrecision(12)))).toEqual([0.1, 0.1, 0.1, 0.01, 0.01, 0.01]);
    expect(sched.best).toBe(0.62);
  });

  it('round-trips its state', () => {
    const opt = { lr: 1 };
    const a = new optim.ReduceLROnPlateau(opt, { patience: 1 });
    [5, 6].forEach((l) => a.step(l));
    const opt2 = { lr: opt.lr };
    const b = new optim.ReduceLROnPlateau(opt2, { patience: 1 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    a.step(7);
    b.step(7);
    expect(opt2.lr).toBe(opt.lr);
    expect(opt.lr).toBeCloseTo(0.1, 12);
  });

  it('rejects a factor >= 1', () => {
    expect(() => new optim.ReduceLROnPlateau({ lr: 1 }, { factor: 1 })).toThrow(/factor must be in \[0, 1\)/);
  });
});
