import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/io/atomic-file.js';
import { readTextIfExists } from '../src/device/node.js';

const nodeFiles = { read: readTextIfExists, write: writeFileAtomic };
import { tensor, withPolicy } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import { gemmKernel, gemmLimits } from '../src/kernels/gemm/gemm.js';
import { defaultConfig, shapeClass, tuningCandidates, type GemmProblem } from '../src/kernels/gemm/gemm-plan.js';
import { adapterKey, clearGemmTuningTable, configureGemmAutotune, gemmAutotuner, type GemmTimer } from '../src/kernels/gemm/gemm-autotune.js';
import { asF32, expectClose, randomValues, setupDeviceWith } from './helpers.js';

// Autotuning with injected timings: no real timing here (speed is the bench's business), and the
// injected timer runs no candidate, so that lavapipe compiles only the pipelines products use.

// Products on gemm_workgroup.wgsl, with autotuning on (the policy); each test starts its own tuner.
beforeAll(() => setupDeviceWith({ gemm: 'workgroup', autotune: true }));
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
    if (kernel === 'gemm_workgroup' || kernel === 'gemm') seen.push({ kernel, ...spec.overrides });
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
    const tuner = (await configureGemmAutotune({ timer: injected({ [fast]: 1, '128x128x8/8x8': 2 }, calls) }))!;
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
    const tuner = (await configureGemmAutotune({ timer: injected({}) }))!;
    await product(40, 24, 20, 17);
    await tuner.settled();
    expect(tuner.table()[shapeClass(asProblem(40, 24, 20))]).toBe(defaultConfig(asProblem(40, 24, 20), gemmLimits()).name);
  });

  it('keeps gemm.wgsl, the register kernel, for a class where it is the fastest', async () => {
    const tuner = (await configureGemmAutotune({ timer: injected({ registers: 0.1 }) }))!;
    await product(40, 24, 20, 13);
    await tuner.settled();
    expect(tuner.table()[shapeClass(asProblem(40, 24, 20))]).toBe('registers');
    expect(await product(37, 30, 19, 15)).toEqual([expect.objectContaining({ kernel: 'gemm' })]);
  });

  it('keeps the default configuration where timing fails, without failing the product', async () => {
    const tuner = (await configureGemmAutotune({ timer: async () => Promise.reject(new Error('no timestamps')) }))!;
    await product(40, 24, 20, 5);
    await tuner.settled();
    expect(tuner.failures.get(shapeClass(asProblem(40, 24, 20)))).toBe('no timestamps');
    expect(tuner.table()).toEqual({});
  });

  it('tunes nothing when a product forces its configuration, or with autotuning off', async () => {
    const calls: string[][] = [];
    await configureGemmAutotune({ timer: injected({}, calls) });
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

  it('keeps its tables by adapter in a JSON file and reads them back', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'webgrad-tune-')), 'gemm.json');
    const tuner = (await configureGemmAutotune({ file, files: nodeFiles, timer: injected({ '32x64x16/4x4': 0.5 }) }))!;
    await product(40, 24, 20, 9);
    await tuner.settled();
    const cls = shapeClass(asProblem(40, 24, 20));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [adapterKey()]: { [cls]: '32x64x16/4x4' } });
    clearGemmTuningTable();
    const calls: string[][] = [];
    const again = (await configureGemmAutotune({ file, files: nodeFiles, timer: injected({}, calls) }))!;
    expect(again.table()).toEqual({ [cls]: '32x64x16/4x4' });
    await product(40, 24, 20, 11);
    await again.settled();
    expect(calls).toEqual([]);
  });
});
