// PyTorch 1.13's answers on special values (±inf, NaN, ±0, denormals, ±3e38) for the ops where
// webgrad could differ (test/fixtures/special_values.py writes them): every element must be
// PyTorch's answer, or its answer on the inputs with denormals flushed to zero (WGSL allows a GPU
// to flush them; lavapipe does), or between the two.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

type Encoded = number | string | Encoded[];
interface Case {
  op: string;
  inputs: Encoded[];
  args: Record<string, unknown>;
  out: Encoded;
  outFlushed: Encoded;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/special-values.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

const decode = (v: Encoded): number[] =>
  Array.isArray(v) ? v.flatMap(decode) : [v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number)];

/** The nested list's shape (an empty list's last dimension is 0). */
const shapeOf = (v: Encoded): number[] => (Array.isArray(v) ? [v.length, ...(v.length > 0 ? shapeOf(v[0]) : [])] : []);

const OPS: Record<string, (x: wg.Tensor[], args: Record<string, unknown>) => wg.Tensor> = {
  ...Object.fromEntries(['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'relu', 'sigmoid', 'tanh'].map((n) => [n, ([x]: wg.Tensor[]) => (wg as any)[n](x)])),
  ...Object.fromEntries(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'gt', 'ge', 'eq', 'lt', 'le', 'ne'].map((n) => [n, ([a, b]: wg.Tensor[]) => (wg as any)[n](a, b)])),
  clamp: ([x], a) => wg.clamp(x, a.min as number, a.max as number),
  sum: ([x]) => wg.sum(x, 1),
  mean: ([x]) => wg.mean(x, 1),
  max: ([x]) => wg.max(x, 1),
  min: ([x]) => wg.min(x, 1),
  argmax: ([x]) => wg.float(wg.argmax(x, 1)),
  softmax: ([x]) => wg.softmax(x, 1),
  logSoftmax: ([x]) => wg.logSoftmax(x, 1),
  crossEntropy: ([x], a) => wg.crossEntropy(x, a.labels as number[]),
  maxPool2d: ([x], a) => wg.maxPool2d(x, a.kernelSize as number),
};

function matches(got: number, want: number, flushed: number): boolean {
  const close = (e: number) =>
    Number.isNaN(e) ? Number.isNaN(got) : !Number.isFinite(e) ? got === e : Math.abs(got - e) <= 1e-6 + 2e-6 * Math.abs(e);
  return close(want) || close(flushed) || (got >= Math.min(want, flushed) && got <= Math.max(want, flushed));
}

describe(`special values against PyTorch (${fixture.torch})`, () => {
  for (const [k, c] of fixture.cases.entries()) {
    it(`${c.op} #${k}`, async () => {
      const inputs = c.inputs.map((x) => wg.tensor(Float32Array.from(decode(x)), shapeOf(x)));
      const y = wg.tidy(() => OPS[c.op](inputs, c.args));
      const got = Array.from(await y.toArray());
      const [want, flushed] = [decode(c.out), decode(c.outFlushed)];
      expect(got.length).toBe(want.length);
      const bad = got.map((g, i) => (matches(g, want[i], flushed[i]) ? null : `element ${i} (inputs ${inputs.length === 1 ? decode(c.inputs[0])[i] : c.inputs.map((x) => decode(x)[i]).join(', ')}): got ${g}, PyTorch ${want[i]} (flushed ${flushed[i]})`)).filter((b) => b);
      expect(bad).toEqual([]);
      [y, ...inputs].forEach((t) => t.dispose());
    });
  }
});
