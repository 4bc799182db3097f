// The gradient of every differentiable public op on generated samples (small, finite, away from the
// op's kinks; inputs through permute/slice/expand, built from the leaves inside the checked
// function) against central finite differences with gradCheck. WEBGRAD_FUZZ_RUNS, _SEED and _OPS as
// in test/kernels/fuzz.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';
import { OP_TABLE } from '../kernels/fuzz/table.js';
import { checkGradient, fuzz, FUZZ_RUNS } from '../kernels/fuzz/run.js';

let liveAtStart = 0;
beforeAll(async () => {
  await setupDevice();
  liveAtStart = wg.memory().liveBuffers;
});

const only = new RegExp(process.env.WEBGRAD_FUZZ_OPS ?? '');

describe('every differentiable public op against finite differences', () => {
  for (const entry of OP_TABLE.filter((e) => e.grad && only.test(e.name))) {
    it(entry.name, () => fuzz(entry.grad!.sample, (s) => checkGradient(entry, s), Math.max(1, Math.ceil(FUZZ_RUNS / 2))));
  }

  it('leaves no tensor behind (refused calls and failures included)', () => {
    expect(wg.memory().liveBuffers).toBe(liveAtStart);
  });
});
