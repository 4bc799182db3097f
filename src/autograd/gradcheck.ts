import { WebgradError } from '../errors.js';
import { runtime } from '../device/current.js';
import { fmt } from '../tensor/shape.js';
import { tidy } from '../graph/scope.js';
import { checkTensor, Storage, Tensor } from '../tensor/tensor.js';
import { noGrad } from '../graph/record.js';

export interface GradCheckOptions {
  /** Central-difference step, added to and subtracted from each element (in float64, then rounded to float32). */
  eps?: number;
  /**
   * Smallest denominator of the relative error. Default: max(1e-3, 0.1 · 2⁻²⁴ · 10⁴ · max(1, |f(x)|) / eps),
   * about the float32 rounding noise of the differences, so that a gradient of zero measured
   * as noise does not count as an error.
   */
  floor?: number;
  /** `ok` says whether maxRelativeError is at most this. Default 1e-2. */
  tolerance?: number;
}

export interface GradCheckInput {
  /** Position of the input in the list passed to gradCheck. */
  index: number;
  maxRelativeError: number;
  /** Element with the largest error. */
  worst: number;
  analytic: Float64Array;
  numeric: Float64Array;
}

export interface GradCheckResult {
  maxRelativeError: number;
  ok: boolean;
  /** One per input; null for inputs that do not require grad. */
  perInput: (GradCheckInput | null)[];
  /** The denominator floor used. */
  floor: number;
}

const F32_ULP = 2 ** -24;

async function valuesOf(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.toArray());
}

/**
 * Compares the gradients autograd gives for `fn` (inputs → a one-element tensor) with central
 * finite differences: each element of each input that requires grad is perturbed on the CPU, the
 * perturbed input uploaded and `fn` evaluated on the GPU; f(x+h) − f(x−h) is divided in float64
 * by the step actually taken after rounding to float32. Every evaluation's result is copied into
 * one buffer so that the check reads back once. The inputs' own `.grad` are left as they were.
 */
export async function gradCheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions = {},
): Promise<GradCheckResult> {
  if (typeof fn !== 'function') throw new WebgradError('webgrad: gradCheck: fn must be a function');
  if (!Array.isArray(inputs)) throw new WebgradError('webgrad: gradCheck: inputs must be an array of tensors');
  inputs.forEach((t, i) => {
    checkTensor(t, `gradCheck: inputs[${i}]`);
    if (t.dtype !== 'float32' && t.requiresGrad) throw new WebgradError(`webgrad: gradCheck: inputs[${i}] must be float32 to be checked, got ${t.dtype}`);
  });
  const checked = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (checked.length === 0) throw new WebgradError('webgrad: gradCheck: no input requires grad');
  const eps = options.eps ?? 1e-2;
  if (!(eps > 0) || !Number.isFinite(eps)) throw new WebgradError(`webgrad: gradCheck: eps must be a finite number > 0, got ${eps}`);
  const tolerance = options.tolerance ?? 1e-2;

  const base = await Promise.all(inputs.map((t) => (t.requiresGrad ? valuesOf(t) : Promise.resolve(null))));

  // Autograd, without disturbing gradients the caller has accumulated.
  const saved = inputs.map((t) => t.grad);
  inputs.forEach((t) => (t.grad = null));
  let f0: number;
  const analytic: Float64Array[] = [];
  try {
    // backward runs inside the scope: the graph's rules read intermediates that tidy frees on return.
    const out = tidy(() => {
      const y = fn(...inputs);
      checkTensor(y, 'gradCheck: the result of fn');
      if (y.size !== 1) throw new WebgradError(`webgrad: gradCheck: fn must return a one-element tensor, got shape ${fmt(y.shape)}`);
      if (!y.requiresGrad) throw new WebgradError('webgrad: gradCheck: the result of fn does not depend on any input that requires grad');
      y.backward();
      return y;
    });
    try {
      f0 = await out.item();
    } finally {
      out.dispose();
    }
    for (const i of checked) {
      const g = inputs[i].grad;
      analytic[i] = g ? await valuesOf(g) : new Float64Array(inputs[i].size);
    }
  } finally {
    inputs.forEach((t, i) => {
      if (t.grad !== saved[i]) t.grad?.dispose();
      t.grad = saved[i];
    });
  }

  // Finite differences: two evaluations per element, each result copied into `results`.
  const total = checked.reduce((n, i) => n + inputs[i].size, 0);
  const steps: Float64Array[] = [];
  const results = new Tensor([2 * total], Storage.allocate(2 * total * 4));
  let slot = 0;
  let evaluated: Float64Array;
  try {
    noGrad(() => {
      for (const i of checked) {
        const x = base[i]!;
        const h = new Float64Array(x.length);
        const values = Float32Array.from(x);
        for (let j = 0; j < x.length; j++) {
          const plus = Math.fround(x[j] + eps);
          const minus = Math.fround(x[j] - eps);
          h[j] = plus - minus;
          for (const v of [plus, minus]) {
            values[j] = v;
            const r = slot++;
            tidy(() => {
              const perturbed = new Tensor(inputs[i].shape, Storage.allocate(values.byteLength));
              runtime().upload(perturbed.buffer, values);
              const args = inputs.map((t, k) => (k === i ? perturbed : t));
              const y = fn(...args);
              if (!(y instanceof Tensor) || y.size !== 1) throw new WebgradError('webgrad: gradCheck: fn must return a one-element tensor');
              runtime().copy(y.buffer, 0, results.buffer, r * 4, 4);
            });
          }
          values[j] = x[j];
        }
        steps[i] = h;
      }
    });
    evaluated = Float64Array.from(new Float32Array(await runtime().read(results.buffer, 2 * total * 4, 0, { deviceChecks: true })));
  } finally {
    results.dispose();
  }

  const floor = options.floor ?? Math.max(1e-3, (0.1 * F32_ULP * 1e4 * Math.max(1, Math.abs(f0))) / eps);
  let offset = 0;
  const perInput: (GradCheckInput | null)[] = inputs.map(() => null);
  let maxRelativeError = 0;
  for (const i of checked) {
    const a = analytic[i];
    const h = steps[i];
    const numeric = new Float64Array(a.length);
    let worstError = 0;
    let worst = 0;
    for (let j = 0; j < a.length; j++) {
      numeric[j] = (evaluated[offset + 2 * j] - evaluated[offset + 2 * j + 1]) / h[j];
      const diff = Math.abs(a[j] - numeric[j]);
      const error = diff / Math.max(Math.abs(a[j]), Math.abs(numeric[j]), floor);
      // NaN anywhere (an unwritten or non-finite gradient) counts as the worst error.
      const e = Number.isNaN(error) ? Infinity : error;
      if (e > worstError) {
        worstError = e;
        worst = j;
      }
    }
    offset += 2 * a.length;
    perInput[i] = { index: i, maxRelativeError: worstError, worst, analytic: a, numeric };
    maxRelativeError = Math.max(maxRelativeError, worstError);
  }
  return { maxRelativeError, ok: maxRelativeError <= tolerance, perInput, floor };
}
