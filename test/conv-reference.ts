/** conv2d from its definition in float64, and the checks against it, for the tests of both kernel forms. */
import { expect } from 'vitest';
import { conv2d, gradCheck, mul, sum, tensor, type Tensor } from '../src/index.js';
import { asF32, expectClose, randomValues } from './helpers.js';
import type { Stored } from './fixtures/load.js';

export interface Geo {
  n: number; c: number; h: number; w: number; cout: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; oh: number; ow: number;
}

export function geometry(xs: number[], ws: number[], stride: [number, number], pad: [number, number]): Geo {
  const [n, c, h, w] = xs;
  const [cout, , kh, kw] = ws;
  const [sh, sw] = stride;
  const [ph, pw] = pad;
  return { n, c, h, w, cout, kh, kw, sh, sw, ph, pw, oh: Math.floor((h + 2 * ph - kh) / sh) + 1, ow: Math.floor((w + 2 * pw - kw) / sw) + 1 };
}

/** Float64 direct convolution and its gradients for the upstream gradient gout, straight from the definition. */
export function reference(g: Geo, x: Float64Array, w: Float64Array, b: Float64Array, gout: Float64Array) {
  const out = new Float64Array(g.n * g.cout * g.oh * g.ow);
  const gx = new Float64Array(x.length);
  const gw = new Float64Array(w.length);
  const gb = new Float64Array(g.cout);
  for (let n = 0; n < g.n; n++)
    for (let co = 0; co < g.cout; co++)
      for (let oy = 0; oy < g.oh; oy++)
        for (let ox = 0; ox < g.ow; ox++) {
          const o = ((n * g.cout + co) * g.oh + oy) * g.ow + ox;
          let acc = b[co];
          gb[co] += gout[o];
          for (let c = 0; c < g.c; c++)
            for (let ky = 0; ky < g.kh; ky++)
              for (let kx = 0; kx < g.kw; kx++) {
                const y = oy * g.sh - g.ph + ky;
                const xx = ox * g.sw - g.pw + kx;
                if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) continue;
                const xi = ((n * g.c + c) * g.h + y) * g.w + xx;
                const wi = ((co * g.c + c) * g.kh + ky) * g.kw + kx;
                acc += x[xi] * w[wi];
                gx[xi] += gout[o] * w[wi];
                gw[wi] += gout[o] * x[xi];
              }
          out[o] = acc;
        }
  return { out, gx, gw, gb };
}

const pair = (v: number | number[]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export async function values(t: Tensor | null): Promise<Float32Array> {
  if (!t) throw new Error('missing tensor');
  return (await t.toArray()) as Float32Array;
}

/** A conv case of test/fixtures/generate.py. */
export interface ConvFixture {
  x: Stored;
  weight: Stored;
  bias: number[] | null;
  stride: number | number[];
  padding: number | number[];
  out: Stored;
  gout: number[];
  gx: number[];
  gw: number[];
  gb: number[];
}

/**
 * conv2d on a PyTorch fixture (test/fixtures), on whichever form the policy chooses: the output and
 * the gradients of x, weight and bias checked. Gives the weight, its geometry and the output gradient
 * for checks of one form's kernels.
 */
export async function expectConvMatchesFixture(f: ConvFixture): Promise<{ w: Tensor; g: Geo; gout: Tensor }> {
  const x = tensor(f.x.data, f.x.shape, { requiresGrad: true });
  const w = tensor(f.weight.data, f.weight.shape, { requiresGrad: true });
  const b = f.bias ? tensor(f.bias, [f.weight.shape[0]], { requiresGrad: true }) : null;
  const out = conv2d(x, w, b, { stride: pair(f.stride), padding: pair(f.padding) });
  expect(out.shape).toEqual(f.out.shape);
  expectClose(await values(out), f.out.data, 1e-4, 1e-5);
  out.backward(tensor(f.gout, f.out.shape));
  expectClose(await values(x.grad), f.gx, 1e-4, 1e-5);
  expectClose(await values(w.grad), f.gw, 1e-4, 1e-5);
  if (b) expectClose(await values(b.grad), f.gb, 1e-4, 1e-5);
  return { w, g: geometry(f.x.shape, f.weight.shape, pair(f.stride), pair(f.padding)), gout: tensor(f.gout, f.out.shape) };
}

export interface ConvCase {
  xs: number[];
  ws: number[];
  stride: [number, number];
  pad: [number, number];
}

/**
 * conv2d with a bias on random inputs (seeds `seed` to `seed + 3`) against the float64 reference: the
 * output and the three gradients. `forward` runs the forward it is given (to count what it records).
 * Gives the weight, the geometry, the output gradient and the reference for checks of one form's kernels.
 */
export async function expectConvMatchesReference(
  c: ConvCase,
  seed: number,
  forward: (run: () => Tensor) => Tensor = (run) => run(),
): Promise<{ w: Tensor; g: Geo; gout: Tensor; ref: ReturnType<typeof reference> }> {
  const g = geometry(c.xs, c.ws, c.stride, c.pad);
  const xv = asF32(randomValues(c.xs.reduce((a, b) => a * b), seed));
  const wv = asF32(randomValues(c.ws.reduce((a, b) => a * b), seed + 1, 0.5));
  const bv = asF32(randomValues(g.cout, seed + 2));
  const gv = asF32(randomValues(g.n * g.cout * g.oh * g.ow, seed + 3));
  const ref = reference(g, xv, wv, bv, gv);
  const x = tensor(xv, c.xs, { requiresGrad: true });
  const w = tensor(wv, c.ws, { requiresGrad: true });
  const b = tensor(bv, [g.cout], { requiresGrad: true });
  const out = forward(() => conv2d(x, w, b, { stride: c.stride, padding: c.pad }));
  expectClose(await values(out), ref.out, 1e-4, 1e-5);
  const gout = tensor(gv, out.shape);
  out.backward(gout);
  expectClose(await values(x.grad), ref.gx, 1e-4, 1e-5);
  expectClose(await values(w.grad), ref.gw, 1e-4, 1e-5);
  expectClose(await values(b.grad), ref.gb, 1e-4, 1e-5);
  return { w, g, gout, ref };
}

/** conv2d's gradients of x, weight and bias by finite differences on a tiny strided, padded shape (seeds `seed` to `seed + 3`). */
export async function expectConvGradCheck(seed: number): Promise<void> {
  const x = tensor(randomValues(1 * 2 * 5 * 4, seed), [1, 2, 5, 4], { requiresGrad: true });
  const w = tensor(randomValues(2 * 2 * 3 * 2, seed + 1), [2, 2, 3, 2], { requiresGrad: true });
  const b = tensor(randomValues(2, seed + 2), [2], { requiresGrad: true });
  const weights = tensor(randomValues(2 * 3 * 5, seed + 3), [1, 2, 3, 5]);
  const result = await gradCheck((x, w, b) => sum(mul(conv2d(x, w, b, { stride: [2, 1], padding: [1, 1] }), weights)), [x, w, b], { eps: 1e-2 });
  expect(result.maxRelativeError).toBeLessThan(1e-2);
}
