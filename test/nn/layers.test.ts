import { beforeAll, describe, expect, it } from 'vitest';
import { nn, sum, tensor, tidy, withPolicy, type Tensor, WebgradError } from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

// The first forward and backward of a conv net compiles its kernels: seconds each on lavapipe when
// Mesa's shader cache is cold (a few minutes in all on a loaded machine), then milliseconds.
const COMPILES = 300_000;

/** A small model laid out as torchvision's AlexNet: `features` and `classifier` Sequentials. */
class TinyAlexNet extends nn.Module {
  readonly features: nn.Sequential;
  readonly classifier: nn.Sequential;

  constructor(options: { init?: nn.InitScheme; seed?: number } = {}) {
    super();
    const init = options.init ?? 'torch';
    this.features = this.addModule(
      'features',
      new nn.Sequential(
        new nn.Conv2d(3, 8, 3, { padding: 1, init }),
        new nn.ReLU(),
        new nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 }),
        new nn.MaxPool2d(3, { stride: 2 }),
        new nn.Conv2d(8, 16, 3, { padding: 1, init, paperBias: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
      ),
    );
    this.classifier = this.addModule(
      'classifier',
      new nn.Sequential(
        new nn.Flatten(),
        new nn.Dropout(0.5),
        new nn.Linear(16 * 2 * 2, 32, { init, paperBias: 1 }),
        new nn.ReLU(),
        new nn.Dropout(0.5),
        new nn.Linear(32, 10, { init }),
      ),
    );
    if (options.seed !== undefined) nn.initialise(this, init, { seed: options.seed });
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

async function values(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.toArray());
}

function stats(v: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
  }
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length), min, max };
}

describe('Module', () => {
  it("names parameters as PyTorch does, with PyTorch's shapes", () => {
    const net = new TinyAlexNet();
    const named = net.namedParameters().map(([name, t]) => [name, [...t.shape]]);
    // torch: [(n, list(p.shape)) for n, p in net.named_parameters()] for the same layout
    expect(named).toEqual([
      ['features.0.weight', [8, 3, 3, 3]],
      ['features.0.bias', [8]],
      ['features.4.weight', [16, 8, 3, 3]],
      ['features.4.bias', [16]],
      ['classifier.2.weight', [32, 64]],
      ['classifier.2.bias', [32]],
      ['classifier.5.weight', [10, 32]],
      ['classifier.5.bias', [10]],
    ]);
    expect(net.parameters().every((p) => p.requiresGrad && p.node === null)).toBe(true);
    expect(net.parameterCount()).toBe(8 * 27 + 8 + 16 * 72 + 16 + 32 * 64 + 32 + 10 * 32 + 10);
    expect(Object.keys(net.stateDict())).toEqual(named.map(([n]) => n));
    expect(net.namedModules().map(([n]) => n).slice(0, 4)).toEqual(['', 'features', 'features.0', 'features.1']);
    const noBias = new nn.Linear(3, 2, { bias: false });
    expect(noBias.namedParameters().map(([n]) => n)).toEqual(['weight']);
    net.dispose();
    noBias.dispose();
  });

  it('runs forward and backward, filling every parameter’s grad, with parameters surviving tidy', async () => {
    const net = new TinyAlexNet({ seed: 1 });
    const x = tensor(randomValues(2 * 3 * 11 * 11, 2), [2, 3, 11, 11]);
    const out = tidy(() => {
      const y = net.forward(x);
      sum(y).backward();
      return y;
    });
    expect(out.shape).toEqual([2, 10]);
    expect((await values(out)).every(Number.isFinite)).toBe(true);
    for (const [name, p] of net.namedParameters()) {
      expect(p.disposed, name).toBe(false);
      expect(p.grad?.shape, name).toEqual(p.shape);
    }
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    out.dispose();
    x.dispose();
    net.dispose();
  }, COMPILES);

  it('Linear and Conv2d compute with their own parameters', async () => {
    const lin = new nn.Linear(5, 3, { seed: 3 });
    const xv = asF32(randomValues(2 * 5, 4));
    const x = tensor(xv, [2, 5]);
    const w = await values(lin.weight);
    const b = await values(lin.bias!);
    const want = new Float64Array(6);
    for (let i = 0; i < 2; i++) for (let o = 0; o < 3; o++) {
      let s = b[o];
      for (let k = 0; k < 5; k++) s += xv[i * 5 + k] * w[o * 5 + k];
      want[i * 3 + o] = s;
    }
    expectClose(await lin.forward(x).toArray(), want, 1e-5, 1e-6);

    const conv = new nn.Conv2d(2, 3, [2, 3], { stride: [1, 2], padding: [1, 0], seed: 5 });
    const iv = asF32(randomValues(2 * 4 * 5, 6));
    const img = tensor(iv, [1, 2, 4, 5]);
    const cw = await values(conv.weight);
    const cb = await values(conv.bias!);
    // out [1, 3, 5, 2]: oh = 4 + 2 − 2 + 1, ow = (5 − 3) / 2 + 1
    const ref = new Float64Array(3 * 5 * 2);
    for (let o = 0; o < 3; o++) for (let oy = 0; oy < 5; oy++) for (let ox = 0; ox < 2; ox++) {
      let s = cb[o];
      for (let c = 0; c < 2; c++) for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 3; kx++) {
        const iy = oy - 1 + ky;
        const ix = ox * 2 + kx;
        if (iy < 0 || iy >= 4) continue;
        s += iv[(c * 4 + iy) * 5 + ix] * cw[((o * 2 + c) * 2 + ky) * 3 + kx];
      }
      ref[(o * 5 + oy) * 2 + ox] = s;
    }
    const y = conv.forward(img);
    expect(y.shape).toEqual([1, 3, 5, 2]);
    expectClose(await y.toArray(), ref, 1e-5, 1e-6);
    for (const t of [x, img, y]) t.dispose();
    lin.dispose();
    conv.dispose();
  }, COMPILES);

  it('round-trips a state dict into a fresh model, keeping its parameter objects', async () => {
    const a = new TinyAlexNet({ seed: 10 });
    const b = new TinyAlexNet({ seed: 11 });
    const before = b.parameters();
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.parameters()).toEqual(before);
    for (const [name, p] of a.namedParameters()) {
      expect(Array.from(await b.stateDict()[name].toArray()), name).toEqual(Array.from(await p.toArray()));
    }
    const x = tensor(randomValues(3 * 11 * 11, 12), [1, 3, 11, 11]);
    a.eval();
    b.eval();
    // Bit for bit on the same kernels: autotuning (a GPU's default) could change a product's
    // configuration, and so its rounding, between the two forwards.
    await withPolicy({ autotune: false }, async () => {
      expect(Array.from(await b.forward(x).toArray())).toEqual(Array.from(await a.forward(x).toArray()));
    });
    x.dispose();
    a.dispose();
    b.dispose();
  }, COMPILES);

  it('refuses state dicts that do not fit, naming keys and shapes', () => {
    const net = new TinyAlexNet();
    const state = { ...net.stateDict() };
    const wrong = tensor(new Float32Array(10), [10]);
    expect(() => net.loadStateDict({ ...state, 'features.0.bias': wrong })).toThrow(
      /'features.0.bias' has shape \[10\] \(float32\) but the parameter has \[8\]/,
    );
    const { 'classifier.5.bias': _dropped, ...partial } = state;
    expect(() => net.loadStateDict({ ...partial, extra: wrong })).toThrow(/missing keys \[classifier.5.bias\], unexpected keys \[extra\]/);
    expect(net.loadStateDict({ ...partial, extra: wrong }, { strict: false })).toEqual({
      missingKeys: ['classifier.5.bias'],
      unexpectedKeys: ['extra'],
    });
    wrong.dispose();
    net.dispose();
  });

  it('rejects bad layer arguments', () => {
    expect(() => new nn.Conv2d(0, 4, 3)).toThrow(/Conv2d: inChannels must be a positive integer, got 0/);
    expect(() => new nn.Conv2d(1, 4, [3, 0])).toThrow(/Conv2d: kernelSize must be an integer >= 1/);
    expect(() => new nn.Linear(4, 2, { init: 'xavier' as nn.InitScheme })).toThrow(/Linear: init must be one of 'torch', 'kaiming', 'paper', got xavier/);
    expect(() => new nn.Dropout(1.5)).toThrow(WebgradError);
    expect(() => new nn.Sequential({} as nn.Module)).toThrow(/Sequential: argument 0 must be a Module/);
  });
});

describe('initialisation', () => {
  it("'kaiming': N(0, 2/fan_in) weights and zero biases", async () => {
    const lin = new nn.Linear(1000, 300, { init: 'kaiming', seed: 21 });
    const w = stats(await values(lin.weight));
    const std = Math.sqrt(2 / 1000);
    expect(Math.abs(w.mean)).toBeLessThan((4 * std) / Math.sqrt(300_000));
    expect(w.std / std).toBeCloseTo(1, 1.7);
    expect(Array.from(await lin.bias!.toArray()).every((v) => v === 0)).toBe(true);
    const conv = new nn.Conv2d(16, 64, 5, { init: 'kaiming', seed: 22 });
    const c = stats(await values(conv.weight));
    expect(c.std / Math.sqrt(2 / (16 * 25))).toBeCloseTo(1, 1.3);
    lin.dispose();
    conv.dispose();
  });

  it("'torch': U(−1/√fan_in, 1/√fan_in) weights and biases", async () => {
    const lin = new nn.Linear(400, 300, { seed: 23 });
    const bound = 1 / 20;
    const w = stats(await values(lin.weight));
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1.7);
    const b = stats(await values(lin.bias!));
    expect(b.min).toBeGreaterThanOrEqual(-bound);
    expect(b.max).toBeLessThanOrEqual(bound);
    expect(b.std).toBeGreaterThan(bound / 4);
    lin.dispose();
  });

  it("'paper': N(0, 0.01²) weights, biases 1 where asked and 0 elsewhere", async () => {
    const net = new TinyAlexNet({ init: 'paper', seed: 24 });
    const sd = net.stateDict();
    for (const name of ['features.4.bias', 'classifier.2.bias']) {
      expect(Array.from(await sd[name].toArray()).every((v) => v === 1), name).toBe(true);
    }
    for (const name of ['features.0.bias', 'classifier.5.bias']) {
      expect(Array.from(await sd[name].toArray()).every((v) => v === 0), name).toBe(true);
    }
    const big = new nn.Linear(500, 200, { init: 'paper', seed: 25 });
    expect(stats(await values(big.weight)).std / 0.01).toBeCloseTo(1, 1.7);
    net.dispose();
    big.dispose();
  });

  it('one model seed reproduces a model, gives each layer its own numbers, and another seed differs', async () => {
    const a = new TinyAlexNet({ seed: 7 });
    const b = new TinyAlexNet({ seed: 123 });
    nn.initialise(b, 'torch', { seed: 7 });
    const c = new TinyAlexNet({ seed: 8 });
    for (const [name, p] of a.namedParameters()) {
      expect(Array.from(await b.stateDict()[name].toArray()), name).toEqual(Array.from(await p.toArray()));
    }
    const w0 = await values(a.stateDict()['features.0.weight']);
    expect(Array.from(await c.stateDict()['features.0.weight'].toArray())).not.toEqual(Array.from(Float32Array.from(w0)));
    // Two same-shaped layers of one model must not share values.
    const m = new nn.Sequential(new nn.Linear(4, 4), new nn.Linear(4, 4));
    nn.initialise(m, 'kaiming', { seed: 1 });
    expect(Array.from(await m.stateDict()['0.weight'].toArray())).not.toEqual(Array.from(await m.stateDict()['1.weight'].toArray()));
    for (const net of [a, b, c, m]) net.dispose();
  });
});

describe('train() and eval()', () => {
  it('switch Dropout between masking and the identity, recursively', async () => {
    const drop = new nn.Dropout(0.25, { seed: 31 });
    const net = new nn.Sequential(new nn.Sequential(drop));
    const n = 4000;
    const xv = asF32(randomValues(n, 32));
    const x = tensor(xv, [n]);
    expect(drop.training).toBe(true);
    const y1 = await values(net.forward(x));
    const y2 = await values(net.forward(x));
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      if (y1[i] === 0) zeros++;
      else expect(y1[i]).toBeCloseTo(xv[i] / 0.75, 5);
    }
    expect(zeros / n).toBeGreaterThan(0.2);
    expect(zeros / n).toBeLessThan(0.3);
    expect(Array.from(y2)).not.toEqual(Array.from(y1));

    net.eval();
    expect(drop.training).toBe(false);
    expectClose(await net.forward(x).toArray(), xv, 0, 0);

    // Same seed, same sequence of masks.
    net.train();
    drop.resetParameters('torch', 99);
    const z1 = await values(net.forward(x));
    drop.resetParameters('torch', 99);
    expect(Array.from(await net.forward(x).toArray())).toEqual(Array.from(z1));
    // A resumed run continues the sequence from the count of masks drawn.
    const z2 = await values(net.forward(x));
    expect(drop.masksDrawn).toBe(2);
    drop.masksDrawn = 1;
    expect(Array.from(await net.forward(x).toArray())).toEqual(Array.from(z2));
    x.dispose();
  });
});
