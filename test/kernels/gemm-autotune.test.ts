import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic-file.js';
import { defaultTuningFile, readTextIfExists } from '../../src/session/node.js';

const nodeFiles = { read: readTextIfExists, write: writeFileAtomic };
import { memory, tensor, withPolicy } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { gemmKernel, gemmLimits } from '../../src/kernels/gemm/gemm.js';
import { defaultConfig, shapeClass, tuningCandidates, type GemmProblem } from '../../src/kernels/gemm/gemm-plan.js';
import {
  adapterKey,
  CHECK_WINDOW,
  clearGemmTuningTable,
  configureGemmAutotune,
  gemmAutotuner,
  gemmKernelsVersion,
  gemmTolerance,
  TUNING_FORMAT,
  relativeDifference,
  type GemmChecker,
  type GemmTimer,
} from '../../src/kernels/gemm/gemm-autotune.js';
import { asF32, expectClose, randomValues, setupDeviceWith } from '../helpers.js';

// Autotuning with injected timings: no real timing here (speed is the bench's business), and the
// injected timer runs no candidate, so that lavapipe compiles only the pipelines products use.

// Products on gemm_workgroup.wgsl, with autotuning on (the policy); each test starts its own tuner.
// No product is small enough to skip tuning but those of the test that says so.
beforeAll(() => setupDeviceWith({ gemm: 'workgroup', autotune: true, smallGemmMacs: 0 }));
beforeEach(() => clearGemmTuningTable());
afterEach(() => configureGemmAutotune(false));
afterAll(() => clearGemmTuningTable());

/** A timer that returns `ms[name]` (default 10) for each candidate and records what it was asked. */
function injected(ms: Record<string, number>, calls: string[][] = []): GemmTimer {
  return async (candidates) => {
    calls.push([...candidates]);
    return candidates.map((c) => ms[c] ?? 10);
  };
}

/** A checker that finds every candidate's output equal to the default's, and runs none. */
const agreeing: GemmChecker = async (candidates) => candidates.map(() => 0);

/** A checker that returns `differences[name]` (default 0) for each candidate. */
const differing =
  (differences: Record<string, number>): GemmChecker =>
  async (candidates) =>
    candidates.map((c) => differences[c] ?? 0);

/** Runs a·b for M×K·K×N and checks it against float64; returns its GEMM dispatches (kernel file and overrides). */
async function product(M: number, N: number, K: number, seed: number): Promise<Record<string, number | string>[]> {
  const A = asF32(randomValues(M * K, seed));
  const B = asF32(randomValues(K * N, seed + 1));
  const a = tensor(A, [M, K]);
  const b = tensor(B, [K, N]);
  const rt = runtime();
  const seen: Record<string, number | string>[] = [];
  const dispatch = rt.dispatch;
  rt.dispatch = (spec, args) => {
    const kernel = spec.files[spec.files.length - 1];
    if (kernel === 'gemm_workgroup' || kernel === 'gemm' || kernel === 'gemm_small') seen.push({ kernel, ...spec.overrides });
    dispatch.call(rt, spec, args);
  };
  let out;
  try {
    out = gemmKernel(a, b);
  } finally {
    rt.dispatch = dispatch;
  }
  const ref = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) ref[m * N + n] += A[m * K + k] * B[k * N + n];
  expectClose(await out.toArray(), ref, 1e-4, 1e-5 * Math.sqrt(K));
  for (const t of [a, b, out]) t.dispose();
  return seen;
}

const asProblem = (M: number, N: number, K: number): GemmProblem => ({ M, N, K, batchA: 1, batchB: 1, transA: false, transB: false });

describe('GEMM autotuning', () => {
  it('times every candidate once per shape class and then runs the fastest', async () => {
    const calls: string[][] = [];
    const fast = '64x64x16/4x4';
    const tuner = (await configureGemmAutotune({ checker: agreeing, timer: injected({ [fast]: 1, '128x128x8/8x8': 2 }, calls) }))!;
    // 40×24×20 and 37×30×19 are one class (64×32×32); the first runs in the default configuration.
    const fallback = defaultConfig(asProblem(40, 24, 20), gemmLimits());
    expect(fallback.name).not.toBe(fast);
    const first = await product(40, 24, 20, 1);
    expect(first).toEqual([expect.objectContaining({ kernel: 'gemm_workgroup', BM: fallback.bm, BN: fallback.bn, TM: fallback.tm })]);
    await tuner.settled();
    // Every candidate, the default first (it wins ties).
    expect([...calls[0]].sort()).toEqual(tuningCandidates(gemmLimits()).sort());
    expect(calls[0][0]).toBe(fallback.name);
    expect(calls[0]).toContain('registers');
    expect(tuner.table()[shapeClass(asProblem(40, 24, 20))]).toBe(fast);
    expect(tuner.tunings).toEqual([expect.objectContaining({ config: fast, ms: expect.objectContaining({ [fast]: 1 }) })]);

    const second = await product(37, 30, 19, 3);
    expect(second).toEqual([expect.objectContaining({ kernel: 'gemm_workgroup', BM: 64, BN: 64, TM: 4, TN: 4, BK: 16 })]);
    await tuner.settled();
    expect(calls).toHaveLength(1);
  });

  it('keeps the default configuration where candidates tie', async () => {
    const tuner = (await configureGemmAutotune({ checker: agreeing, timer: injected({}) }))!;
    await product(40, 24, 20, 17);
    await tuner.settled();
    expect(tuner.table()[shapeClass(asProblem(40, 24, 20))]).toBe(defaultConfig(asProblem(40, 24, 20), gemmLimits()).name);
  });

  it('keeps gemm.wgsl, the register kernel, for a class where it is the fastest', async () => {
    const tuner = (await configureGemmAutotune({ checker: agreeing, timer: injected({ registers: 0.1 }) }))!;
    await product(40, 24, 20, 13);
    await tuner.settled();
    expect(tuner.table()[shapeClass(asProblem(40, 24, 20))]).toBe('registers');
    expect(await product(37, 30, 19, 15)).toEqual([expect.objectContaining({ kernel: 'gemm' })]);
  });

  it('keeps the default configuration where timing fails, without failing the product', async () => {
    const tuner = (await configureGemmAutotune({ checker: agreeing, timer: async () => Promise.reject(new Error('no timestamps')) }))!;
    await product(40, 24, 20, 5);
    await tuner.settled();
    expect(tuner.failures.get(shapeClass(asProblem(40, 24, 20)))).toBe('no timestamps');
    expect(tuner.table()).toEqual({});
  });

  it('tunes nothing when a product forces its configuration, or with autotuning off', async () => {
    const calls: string[][] = [];
    await configureGemmAutotune({ checker: agreeing, timer: injected({}, calls) });
    const a = tensor(randomValues(40 * 20, 7), [40, 20]);
    const b = tensor(randomValues(20 * 24, 8), [20, 24]);
    gemmKernel(a, b, { config: defaultConfig(asProblem(40, 24, 20), gemmLimits()).name }).dispose();
    // The policy turns the tuner off without dropping it; configureGemmAutotune(false) drops it.
    withPolicy({ autotune: false }, () => {
      expect(gemmAutotuner()).toBeNull();
      gemmKernel(a, b).dispose();
    });
    expect(gemmAutotuner()).not.toBeNull();
    await configureGemmAutotune(false);
    expect(gemmAutotuner()).toBeNull();
    gemmKernel(a, b).dispose();
    await runtime().sync();
    expect(calls).toEqual([]);
    a.dispose();
    b.dispose();
  });

  it('tunes nothing under a binding limit the policy lowered (its panels are not the class’s times)', async () => {
    const calls: string[][] = [];
    const tuner = (await configureGemmAutotune({ checker: agreeing, timer: injected({}, calls) }))!;
    await withPolicy({ bindingLimit: 8192 }, () => product(130, 127, 66, 19));
    await tuner.settled();
    expect(calls).toEqual([]);
    expect(tuner.table()).toEqual({});
  });

  it('keeps its tables by adapter in a JSON file and reads them back', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'webgrad-tune-')), 'gemm.json');
    const tuner = (await configureGemmAutotune({ checker: agreeing, file, files: nodeFiles, timer: injected({ '32x64x16/4x4': 0.5 }) }))!;
    await product(40, 24, 20, 9);
    await tuner.settled();
    const cls = shapeClass(asProblem(40, 24, 20));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: TUNING_FORMAT, tables: { [adapterKey()]: { kernels: gemmKernelsVersion(), table: { [cls]: '32x64x16/4x4' } } } });
    clearGemmTuningTable();
    const calls: string[][] = [];
    const again = (await configureGemmAutotune({ checker: agreeing, file, files: nodeFiles, timer: injected({}, calls) }))!;
    expect(again.table()).toEqual({ [cls]: '32x64x16/4x4' });
    await product(40, 24, 20, 11);
    await again.settled();
    expect(calls).toEqual([]);
  });
});

describe('the GEMM tuning cache', () => {
  const cls = shapeClass(asProblem(40, 24, 20));
  const fileWith = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'webgrad-tune-')), 'gemm.json');
    writeFileSync(file, text);
    return file;
  };
  const entry = (kernels: string, table: Record<string, unknown>) => JSON.stringify({ format: TUNING_FORMAT, tables: { [adapterKey()]: { kernels, table } } });

  /** Starts a tuner on `file`; returns it, the warnings printed, and the candidates timed by one product of the class. */
  async function startOn(file: string) {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const calls: string[][] = [];
    try {
      const tuner = (await configureGemmAutotune({ checker: agreeing, file, files: nodeFiles, timer: injected({ '32x64x16/4x4': 0.5 }, calls) }))!;
      const table = tuner.table();
      await product(40, 24, 20, 31);
      await tuner.settled();
      return { table, warnings: warn.mock.calls.map((c) => String(c[0])), calls, tuner };
    } finally {
      warn.mockRestore();
    }
  }

  it('ignores a corrupt file with a warning, tunes afresh and rewrites it', async () => {
    for (const text of ['{ not json', JSON.stringify({ [adapterKey()]: { [cls]: '32x64x16/4x4' } })]) {
      clearGemmTuningTable();
      const file = fileWith(text);
      const { table, warnings, calls } = await startOn(file);
      expect(table).toEqual({});
      expect(warnings).toEqual([expect.stringMatching(/ignoring the tuning file .*gemm\.json, which is corrupt/)]);
      expect(calls).toHaveLength(1);
      expect(JSON.parse(readFileSync(file, 'utf8')).tables[adapterKey()].table).toEqual({ [cls]: '32x64x16/4x4' });
    }
  });

  it("ignores a table tuned with other GEMM kernels, and drops entries that name no configuration, each with a warning", async () => {
    const stale = await startOn(fileWith(entry('00000000', { [cls]: '32x64x16/4x4' })));
    expect(stale.table).toEqual({});
    expect(stale.warnings).toEqual([expect.stringMatching(/tuned with other GEMM kernels/)]);
    expect(stale.calls).toHaveLength(1);
    clearGemmTuningTable();
    const other = 'NT 64x64x64';
    const bad = await startOn(fileWith(entry(gemmKernelsVersion(), { [cls]: '999x1x1/1x1', [other]: '64x64x16/4x4' })));
    expect(bad.table).toEqual({ [other]: '64x64x16/4x4' });
    expect(bad.warnings).toEqual([expect.stringMatching(/dropped 1 entries of the tuning file that name no GEMM configuration/)]);
    expect(bad.calls).toHaveLength(1);
  });

  it('tunes no product small enough for the small kernel (policy.smallGemmMacs)', async () => {
    const calls: string[][] = [];
    const tuner = (await configureGemmAutotune({ checker: agreeing, timer: injected({}, calls) }))!;
    const dispatched = await withPolicy({ smallGemmMacs: 40 * 24 * 20 }, () => product(40, 24, 20, 33));
    await tuner.settled();
    expect(dispatched).toEqual([expect.objectContaining({ kernel: 'gemm_small' })]);
    expect(calls).toEqual([]);
    expect(tuner.table()).toEqual({});
  });

  it('lives in $XDG_CACHE_HOME/webgrad by default, else in ~/.cache/webgrad', () => {
    expect(defaultTuningFile({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/webgrad/gemm-tuning.json');
    expect(defaultTuningFile({}, '/home/u')).toBe('/home/u/.cache/webgrad/gemm-tuning.json');
    expect(defaultTuningFile({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe('/home/u/.cache/webgrad/gemm-tuning.json');
  });
});

describe('GEMM autotuning checks what it times', () => {
  it('never chooses a candidate whose output differs from the default configuration’s, and records it', async () => {
    const fast = '64x64x16/4x4';
    const next = '128x128x8/8x8';
    const close = '32x64x16/4x4';
    const tolerance = gemmTolerance(20);
    const tuner = (await configureGemmAutotune({
      timer: injected({ [fast]: 1, [close]: 1.5, [next]: 2 }),
      checker: differing({ [fast]: 0.25, [close]: tolerance / 2 }),
    }))!;
    await product(40, 24, 20, 21);
    await tuner.settled();
    const cls = shapeClass(asProblem(40, 24, 20));
    // The fastest is wrong; the next agrees within float32 rounding.
    expect(tuner.table()[cls]).toBe(close);
    expect(tuner.wrong.get(cls)).toEqual({ [fast]: 0.25 });
    expect(tuner.tunings[0].differences).toEqual(expect.objectContaining({ [fast]: 0.25, [close]: tolerance / 2, [next]: 0 }));
    expect(tuner.failures.size).toBe(0);
    // Later products of the class run on the chosen one.
    expect(await product(37, 30, 19, 23)).toEqual([expect.objectContaining({ kernel: 'gemm_workgroup', BM: 32, BN: 64 })]);
  });

  it('keeps the default, and says it is in doubt, where every other candidate disagrees with it', async () => {
    const candidates = tuningCandidates(gemmLimits());
    const fallback = defaultConfig(asProblem(40, 24, 20), gemmLimits()).name;
    const tuner = (await configureGemmAutotune({
      timer: injected({ [candidates.find((c) => c !== fallback)!]: 1 }),
      checker: differing(Object.fromEntries(candidates.filter((c) => c !== fallback).map((c) => [c, Infinity]))),
    }))!;
    await product(40, 24, 20, 25);
    await tuner.settled();
    const cls = shapeClass(asProblem(40, 24, 20));
    expect(tuner.table()[cls]).toBe(fallback);
    expect(Object.keys(tuner.wrong.get(cls)!)).toHaveLength(candidates.length - 1);
    expect(tuner.failures.get(cls)).toMatch(/every candidate's output differs from the default configuration's \(.*\): the default may be the wrong one/);
  });

  it('the default checker reads back each output’s first and last elements once and finds a wrong one at either end', async () => {
    // Outputs made by upload, not by GEMMs: what is checked here is the comparison, on the GPU's buffers.
    const M = 400;
    const N = 400;
    const K = 64;
    const base = asF32(randomValues(M * N, 31));
    const candidates = tuningCandidates(gemmLimits());
    const fallback = defaultConfig(asProblem(M, N, K), gemmLimits()).name;
    const others = candidates.filter((c) => c !== fallback);
    const [headWrong, tailWrong, rounding, middle] = others;
    const changed: Record<string, (v: Float64Array) => void> = {
      [headWrong]: (v) => (v[3] += 1),
      [tailWrong]: (v) => (v[M * N - 1] = Number.NaN),
      [rounding]: (v) => v.forEach((x, i) => (v[i] = x * (1 + 1e-7))),
      // Between the two windows: not read back (the bound on the readback).
      [middle]: (v) => (v[CHECK_WINDOW + 100] += 1),
    };
    expect(M * N).toBeGreaterThan(2 * CHECK_WINDOW + 100);
    const timings = Object.fromEntries(others.map((c) => [c, 1]));
    const tuner = (await configureGemmAutotune({ timer: injected({ ...timings, [rounding]: 2 }) }))!;
    const rt = runtime();
    const live = memory().liveBuffers;
    const readbacks = rt.counters.readbacks;
    tuner.tune('checked class', asProblem(M, N, K), gemmLimits(), (config) => {
      const v = Float64Array.from(base);
      changed[config]?.(v);
      return tensor(v, [M, N]);
    });
    await tuner.settled();
    expect(rt.counters.readbacks - readbacks).toBe(1);
    expect(memory().liveBuffers).toBe(live);
    expect(tuner.wrong.get('checked class')).toEqual({ [headWrong]: expect.any(Number), [tailWrong]: Infinity });
    expect(tuner.wrong.get('checked class')![headWrong]).toBeGreaterThan(gemmTolerance(K));
    const differences = tuner.tunings[0].differences;
    expect(differences[rounding]).toBeGreaterThan(0);
    expect(differences[rounding]).toBeLessThanOrEqual(gemmTolerance(K));
    expect(differences[middle]).toBe(0);
    // Fastest among the candidates that agree (the wrong two timed 1 like the rest; rounding 2).
    expect([headWrong, tailWrong, rounding]).not.toContain(tuner.table()['checked class']);
  });

  it('measures differences relative to the default output’s largest magnitude, non-finite values included', () => {
    expect(relativeDifference([1, 2, 4.5], [1, 2, 4])).toBeCloseTo(0.5 / 4, 12);
    expect(relativeDifference([1, 2], [1, 2])).toBe(0);
    expect(relativeDifference([Number.NaN, 1], [Number.NaN, 1])).toBe(0);
    expect(relativeDifference([Infinity, 1], [Infinity, 1])).toBe(0);
    expect(relativeDifference([Number.NaN, 1], [0.5, 1])).toBe(Infinity);
    expect(relativeDifference([1, 1], [Number.NaN, 1])).toBe(Infinity);
    expect(relativeDifference([-Infinity, 1], [Infinity, 1])).toBe(Infinity);
    // An all-zero default: any other value is wrong.
    expect(relativeDifference([0, 1e-30], [0, 0])).toBe(Infinity);
    expect(gemmTolerance(1)).toBe(1e-5);
    expect(gemmTolerance(9216)).toBeCloseTo((8 * 9216) / 2 ** 24, 12);
  });
});
