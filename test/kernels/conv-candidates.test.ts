import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, tensor, withPolicy } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { conv2dInputGradKernel, conv2dWeightGradKernel } from '../../src/kernels/conv-implicit.js';
import { CONV_CONFIGS, convCandidates, convConfigRuns, convShapeClass, defaultConvConfig, planConv, type ConvConfig } from '../../src/kernels/conv-implicit-plan.js';
import { clearGemmTuningTable, configureGemmAutotune, type GemmTimer } from '../../src/kernels/gemm/gemm-autotune.js';
import type { DispatchArgs, KernelSpec } from '../../src/runtime/runtime.js';
import { asF32, expectClose, randomValues, setupDeviceWith } from '../helpers.js';
import { loadFixtures } from '../fixtures/load.js';
import { expectConvMatchesFixture, expectConvMatchesReference, geometry, values } from '../conv-reference.js';

// Every candidate of conv_implicit.wgsl that the autotuner may choose on a GPU, forced here on
// lavapipe through the policy (the two defaults are test/conv-implicit.test.ts's). Each candidate is
// a pipeline per product (forward, dx, dW), compiled for seconds on first use: few shapes, chosen
// to leave partial tiles and slices everywhere.
beforeAll(() => setupDeviceWith({ conv: 'implicit' }));
afterEach(async () => {
  await configureGemmAutotune(false);
  clearGemmTuningTable();
});

const fixtures = loadFixtures();
const defaults = [defaultConvConfig(true), defaultConvConfig(false)];
const candidates = CONV_CONFIGS.filter((c) => !defaults.includes(c));

/**
 * 20 → 70 channels, 3×3, pad 1 on 7×12 images, batch 2. Forward: M = 70, N = 168, K = 180 (vec4
 * loads apply: K % 4 = 0); dx (stride 1, 20 channels: conv2d's implicit form): M = 20, N = 168,
 * K = 630; dW: M = 70, N = 180, K = 168 (vec4: oh·ow = 84). None divides a 64- or 128-wide tile or a
 * 16-deep slice.
 */
const wide = { xs: [2, 20, 7, 12], ws: [70, 20, 3, 3], stride: [1, 1] as [number, number], pad: [1, 1] as [number, number] };

/** The overrides of every conv_implicit dispatch `fn` records. */
async function implicitDispatches(fn: () => Promise<void>): Promise<Record<string, number>[]> {
  const rt = runtime();
  const seen: Record<string, number>[] = [];
  const dispatch = rt.dispatch;
  rt.dispatch = (spec: KernelSpec, args: DispatchArgs) => {
    if (spec.files.includes('conv_implicit')) seen.push({ ...(spec.overrides as Record<string, number>) });
    dispatch.call(rt, spec, args);
  };
  try {
    await fn();
  } finally {
    rt.dispatch = dispatch;
  }
  return seen;
}

const overridesOf = (c: ConvConfig) => ({ ROWS: c.rows, GROUPS: c.groups, COUNTERS: c.counters ? 1 : 0, BUFFERS: c.buffers, PAD: c.xor ? 0 : 1 });

describe('implicit-GEMM conv candidates', () => {
  it('all run within lavapipe’s workgroup memory, each under a distinct name', () => {
    const limit = runtime().gpu.limits.maxComputeWorkgroupStorageSize;
    expect(CONV_CONFIGS.every((c) => convConfigRuns(c, limit))).toBe(true);
    expect(new Set(CONV_CONFIGS.map((c) => c.name)).size).toBe(CONV_CONFIGS.length);
    expect(() => withPolicy({ convConfig: '1x1/1x1' }, () => conv2d(tensor([1], [1, 1, 1, 1]), tensor([1], [1, 1, 1, 1])))).toThrow(/unknown implicit-GEMM configuration '1x1\/1x1'/);
  });

  for (const c of candidates) {
    describe(c.name, () => {
      it('matches a float64 reference: forward, dx and dW (split in 3 too), on sizes that divide no tile', () => withPolicy({ convConfig: c.name }, async () => {
        const seen = await implicitDispatches(async () => {
          const { g, gout, ref } = await expectConvMatchesReference(wide, 81);
          const x = tensor(asF32(randomValues(wide.xs.reduce((a, b) => a * b), 81)), wide.xs);
          expectClose(await values(conv2dWeightGradKernel(x, gout, g, 3)), ref.gw, 1e-4, 1e-5);
        });
        // forward, dx, dW, dW in 3 parts: each in this configuration, vec4 loads where they apply.
        expect(seen).toEqual([0, 1, 2, 2].map((mode) => expect.objectContaining({ MODE: mode, ...overridesOf(c), VEC_A: c.vec4 && mode !== 1 ? 1 : 0 })));
      }));

      it('matches the PyTorch fixtures (dx from the implicit kernel too)', () => withPolicy({ convConfig: c.name }, async () => {
        for (const f of fixtures.conv) {
          const { w, g, gout } = await expectConvMatchesFixture(f);
          expectClose(await values(conv2dInputGradKernel(w, gout, g)), f.gx, 1e-4, 1e-5);
        }
      }));
    });
  }
});

/** A timer that returns `ms[name]` (default 10) for each candidate, running none. */
const injected =
  (ms: Record<string, number>): GemmTimer =>
  async (names) =>
    names.map((n) => ms[n] ?? 10);

describe('autotuning the implicit-GEMM conv', () => {
  const g = geometry(wide.xs, wide.ws, wide.stride, wide.pad);
  const xv = asF32(randomValues(wide.xs.reduce((a, b) => a * b), 91));
  const wv = asF32(randomValues(wide.ws.reduce((a, b) => a * b), 92, 0.5));
  const bv = asF32(randomValues(70, 93));
  const forward = () => conv2d(tensor(xv, wide.xs), tensor(wv, wide.ws), tensor(bv, [70]), { padding: 1 });
  const cls = convShapeClass('forward', g);
  const limit = () => runtime().gpu.limits.maxComputeWorkgroupStorageSize;

  it('times every candidate of a shape class, checks each against the default’s output, then runs the fastest', () => withPolicy({ autotune: true }, async () => {
    const names = convCandidates('forward', g, true, limit());
    expect(names[0]).toBe(defaultConvConfig(true).name);
    expect(names).toHaveLength(CONV_CONFIGS.length);
    const fast = '128x128/8x8+counters+vec4';
    const tuner = (await configureGemmAutotune({ timer: injected({ [fast]: 1 }) }))!;
    const first = await implicitDispatches(async () => {
      await values(forward());
      await tuner.settled();
    });
    // The product in the default configuration, then each candidate once for the check.
    expect(first).toHaveLength(1 + names.length);
    expect(first[0]).toMatchObject(overridesOf(defaultConvConfig(true)));
    expect(tuner.wrong.size).toBe(0);
    expect(tuner.table()[cls]).toBe(fast);
    expect(Object.keys(tuner.tunings[0].differences).sort()).toEqual([...names].sort());
    const again = await implicitDispatches(async () => {
      const out = forward();
      expectClose(await values(out), await values(withPolicy({ convConfig: defaultConvConfig(true).name }, forward)), 1e-5, 1e-6);
    });
    expect(again[0]).toMatchObject({ ...overridesOf(planConv('forward', g, true, limit(), {}, fast).config), VEC_A: 1 });
  }));

  it('refuses a candidate whose output differs from the default’s (one that leaves its output unwritten), and records it', () => withPolicy({ autotune: true }, async () => {
    const broken = '128x128/8x8+counters';
    const next = '64x128/4x8+counters+double';
    const tuner = (await configureGemmAutotune({ timer: injected({ [broken]: 1, [next]: 2 }) }))!;
    // The broken candidate writes into a scratch buffer (NaN, the poison) instead of its output.
    const rt = runtime();
    const dispatch = rt.dispatch;
    const scratch: Tensor[] = [];
    rt.dispatch = (spec: KernelSpec, args: DispatchArgs) => {
      const o = spec.overrides as Record<string, number>;
      if (spec.files.includes('conv_implicit') && o.ROWS === 2 && o.BUFFERS === 1 && o.VEC_A === 0) {
        const lost = Tensor.empty([1 << 16]);
        scratch.push(lost);
        args = { ...args, buffers: args.buffers.map((b, i) => (i === 2 ? lost.buffer : b)) };
      }
      dispatch.call(rt, spec, args);
    };
    try {
      await values(forward());
      await tuner.settled();
    } finally {
      rt.dispatch = dispatch;
      for (const t of scratch) t.dispose();
    }
    expect(scratch).toHaveLength(1);
    expect(tuner.wrong.get(cls)).toEqual({ [broken]: Infinity });
    expect(tuner.table()[cls]).toBe(next);
    expect(tuner.failures.size).toBe(0);
  }));
});
