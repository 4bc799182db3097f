import { expect, it } from 'vitest';
import { init, withPolicy, type InitOptions, type PolicyChanges } from '../src/node.js';

/**
 * init() options under every test file's own: what the adapter's defaults are replaced by. Empty
 * under Vitest; test/device/run.ts --policy sets it, to run a CPU adapter's tests under a GPU's
 * defaults (a file's own options still win).
 */
let initDefaults: InitOptions = {};

export function setInitDefaults(options: InitOptions): void {
  initDefaults = { ...options };
}

/** Whether setInitDefaults gave any option (then the adapter's own defaults are not what runs). */
export const initDefaultsGiven = (): boolean => Object.keys(initDefaults).length > 0;

/** Initialises the device once per test file, with output buffers poisoned with NaN, and no compile notice (tests stay quiet). */
export async function setupDevice(): Promise<void> {
  await init({ ...initDefaults, poison: true, compileNotice: false });
}

/** setupDevice under a kernel policy of the test file's own (fields not given follow the adapter). */
export async function setupDeviceWith(options: InitOptions): Promise<void> {
  await init({ ...initDefaults, poison: true, compileNotice: false, ...options });
}

/**
 * `it` whose tests each run under withPolicy(changes): a fixture, so that a describe's kernel
 * choice needs no hook that flips a switch and another that restores it.
 */
export function itWithPolicy(changes: PolicyChanges) {
  return it.extend<{ policy: undefined }>({
    // eslint-disable-next-line no-empty-pattern
    policy: [async ({}, use) => withPolicy(changes, () => use(undefined)), { auto: true }],
  });
}

/** A deterministic generator of test inputs (mulberry32), never exactly zero. */
export function randomValues(n: number, seed: number, scale = 1): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const v = (u * 2 - 1) * scale;
    out[i] = v === 0 ? scale * 1e-3 : v;
  }
  return out;
}

/** Values rounded to float32, as the GPU will see them, in float64 for references. */
export const asF32 = (v: ArrayLike<number>): Float64Array => Float64Array.from(Float32Array.from(v));

/** Expects every element close: |a - b| <= atol + rtol·|b|, and no NaN where the reference has none. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      at = i;
    }
  }
  if (at >= 0) {
    expect.fail(`element ${at}: got ${actual[at]}, expected ${expected[at]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Float64 reduction over `axes` of a row-major array. */
export function refReduce(data: Float64Array, shape: number[], axes: number[], f: (acc: number, v: number) => number, init: number): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(outSize).fill(init);
  for (let i = 0; i < data.length; i++) {
    let rest = i;
    let o = 0;
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      o += (axes.includes(d) ? 0 : c) * stride;
      stride *= outShape[d];
    }
    out[o] = f(out[o], data[i]);
  }
  return out;
}
