// Runs fuzz-table entries on the device: inputs made through their views, results read back and
// compared with the reference, gradients compared with gradCheck; fast-check drives the samples.
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { DEFAULT_TOLERANCE, flushDenormals, isDenormal, mismatch } from '../../unit/fuzz/compare.js';
import { inversePermutation, map, type Nd } from '../../unit/fuzz/nd.js';
import { viewBase, type HostInput, type Sample } from '../../unit/fuzz/samples.js';
import { isRefusal, type OpEntry } from './entry.js';

/** Cases per entry: a few in CI, more with WEBGRAD_FUZZ_RUNS; WEBGRAD_FUZZ_SEED replays a run. */
export const FUZZ_RUNS = Number(process.env.WEBGRAD_FUZZ_RUNS ?? 12);
export const FUZZ_SEED = Number(process.env.WEBGRAD_FUZZ_SEED ?? 26);

/** The view of `base` that gives x's logical values (base is made from viewBase(x)). */
export function applyView(base: wg.Tensor, x: HostInput): wg.Tensor {
  const v = x.view;
  if (v.kind === 'permute') return wg.permute(base, inversePermutation(v.axes));
  if (v.kind === 'slice') return wg.slice(base, x.shape.map((_, d) => (d === v.dim ? [1, null, 2] : null)) as wg.SliceRange[]);
  if (v.kind === 'expand') return wg.expand(base, x.shape);
  return base;
}

export function upload(x: Nd & { dtype: 'float32' | 'int32' }, requiresGrad = false): wg.Tensor {
  const data = x.dtype === 'int32' ? Int32Array.from(x.data) : Float32Array.from(x.data);
  return wg.tensor(data, x.shape, { dtype: x.dtype, requiresGrad });
}

const makeInput = (x: HostInput): wg.Tensor => applyView(upload({ ...viewBase(x), dtype: x.dtype }), x);

const describeSample = (s: Sample): string =>
  JSON.stringify({ inputs: s.inputs.map((x) => ({ shape: x.shape, dtype: x.dtype, view: x.view, data: Array.from(x.data) })), args: s.args }, (_, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );

/** The op's results on the sample against the reference (and, with denormal inputs, the reference on them flushed). */
export async function checkForward(entry: OpEntry, s: Sample): Promise<void> {
  const expected = entry.reference(s.inputs, s.args);
  const tol = { ...DEFAULT_TOLERANCE, ...entry.tolerance };
  if (isRefusal(expected)) {
    let thrown: unknown = null;
    try {
      wg.tidy(() => {
        entry.run(s.inputs.map(makeInput), s.args);
      });
    } catch (e) {
      thrown = e;
    }
    if (!(thrown instanceof wg.WebgradError) || !expected.refuses.test(thrown.message)) {
      throw new Error(`${entry.name}: expected a WebgradError matching ${expected.refuses}, got ${thrown instanceof Error ? thrown.message : 'no error'}`);
    }
    return;
  }
  const results = wg.tidy(() => {
    const out = entry.run(s.inputs.map(makeInput), s.args);
    return Array.isArray(out) ? out : [out];
  });
  try {
    const refs = Array.isArray(expected) ? expected : [expected];
    const flushed = s.inputs.some((x) => x.data.some(isDenormal)) ? entry.reference(s.inputs.map((x) => map(x, flushDenormals)), s.args) : null;
    const alternatives = flushed && !isRefusal(flushed) ? (Array.isArray(flushed) ? flushed : [flushed]) : null;
    if (results.length !== refs.length) throw new Error(`${entry.name}: ${results.length} results, expected ${refs.length}`);
    for (let r = 0; r < refs.length; r++) {
      const actual = { shape: results[r].shape, data: await results[r].toArray() };
      const bad = mismatch(actual, alternatives ? [refs[r], alternatives[r]] : [refs[r]], tol);
      if (bad) throw new Error(`${entry.name}: result ${r}: ${bad}`);
    }
  } finally {
    results.forEach((t) => t.dispose());
  }
}

/**
 * gradCheck of Σ w·op(inputs) with w fixed (so every output's gradient counts differently), the
 * views built inside from leaves that require grad.
 */
export async function checkGradient(entry: OpEntry, s: Sample): Promise<void> {
  const spec = entry.grad!;
  const which = spec.inputs ?? s.inputs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  // A slice's base holds NaN between the values read: finite filler here, as gradCheck steps every element.
  const finiteBase = (x: HostInput) => {
    const base = viewBase(x);
    return { ...base, data: base.data.map((v) => (Number.isNaN(v) ? 0.375 : v)), dtype: x.dtype };
  };
  const leaves = s.inputs.map((x, i) => upload(finiteBase(x), which.includes(i)));
  try {
    const fn = (...ls: wg.Tensor[]) => {
      const out = entry.run(ls.map((l, i) => applyView(l, s.inputs[i])), s.args);
      const outs = Array.isArray(out) ? out : [out];
      return outs
        .map((o, k) => wg.sum(wg.mul(o, wg.tensor(Float32Array.from({ length: o.size }, (_, i) => 0.5 + ((i * 7 + k * 3) % 5) / 4), o.shape))))
        .reduce((a, b) => wg.add(a, b));
    };
    const result = await wg.gradCheck(fn, leaves, { tolerance: spec.tolerance, eps: spec.eps });
    if (!result.ok) {
      const worst = result.perInput.filter((p) => p !== null).sort((a, b) => b!.maxRelativeError - a!.maxRelativeError)[0]!;
      throw new Error(`${entry.name}: gradient of input ${worst.index}, element ${worst.worst}: autograd ${worst.analytic[worst.worst]}, finite differences ${worst.numeric[worst.worst]} (relative error ${result.maxRelativeError.toExponential(2)})`);
    }
  } finally {
    leaves.forEach((l) => l.dispose());
  }
}

/** fast-check over `arb` with the fuzz seed and runs; a failure reports the shrunk sample. */
export async function fuzz(arb: fc.Arbitrary<Sample>, check: (s: Sample) => Promise<void>, runs = FUZZ_RUNS): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arb, check), { seed: FUZZ_SEED, numRuns: runs, endOnFailure: false });
  if (details.failed) {
    const sample = details.counterexample ? describeSample(details.counterexample[0]) : '(none)';
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${error}\nshrunk sample (seed ${details.seed}, path "${details.counterexamplePath}"): ${sample}`);
  }
}
